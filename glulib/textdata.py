"""The committed training text, its character vocabulary and its train / held-out split.

    corpus = load_corpus()                  # checks the SHA-256 first
    corpus.train, corpus.heldout            # int32 token ids
    corpus.decode(corpus.heldout[:80])      # back to text

The text is a snapshot of CPython's ``pydoc_data.topics`` (the language reference that
``help()`` shows; PSF licence) in ``data/text/``, made by ``data/text/make_snapshot.py``.
Tokens are characters: the vocabulary is the sorted set of characters in the whole file,
so it is the same on every machine. The held-out part is the last ``heldout_fraction`` of
the text, cut at a line break, so no held-out line was ever seen in training.

The committed text's SHA-256 is pinned here (``TEXT_SHA256``) as well as written beside
it (``python_reference.txt.sha256``, as ``sha256sum`` writes it): editing the text and its
checksum file together is still caught. Another text is checked against its own
``.sha256`` file.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _validate

#: data/text/ in a source checkout (the course is used from its repository).
TEXT_DIR = Path(__file__).resolve().parents[1] / "data" / "text"
TEXT_FILE = "python_reference.txt"
#: SHA-256 of the committed text (data/text/make_snapshot.py prints it when it remakes the text).
TEXT_SHA256 = "a1f2d64b99e576c3ccc48707dc30d489e0afa42289e1d3d3a0c20a25f58702a4"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class ChecksumError(ValueError):
    """The text on disk is not the committed snapshot."""


def sha256_of(path):
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_digest(sums):
    """The lower-case hex digest in a ``sha256sum``-style file (``<64 hex digits>  <name>``).

    Raises ChecksumError when the file is empty, is not text, or does not start with 64 hex
    digits (upper or lower case).
    """
    sums = Path(sums)
    try:
        text = sums.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise ChecksumError(f"read_digest: the checksum file {sums} is not plain text; it should hold "
                            "64 hex digits, two spaces and the file name") from None
    fields = text.split()
    if not fields:
        raise ChecksumError(f"read_digest: the checksum file {sums} is empty; remake it with "
                            "`python data/text/make_snapshot.py` or restore it with git")
    if not _HEX64.fullmatch(fields[0]):
        raise ChecksumError(f"read_digest: the checksum file {sums} should start with a SHA-256 of 64 hex digits, "
                            f"got {fields[0][:80]!r}")
    return fields[0].lower()


def verify(path, expected=None):
    """Raise ChecksumError unless the file ``path`` has the SHA-256 ``expected`` (hex, any case).

    Without ``expected``: the committed text is checked against ``TEXT_SHA256`` (and its
    ``.sha256`` file, when present, must agree); any other file against its ``.sha256`` file.
    Returns the digest.
    """
    path = Path(path)
    sums = path.with_name(path.name + ".sha256")
    if not path.is_file():
        raise FileNotFoundError(f"verify: the text file {path} is missing; "
                                f"remake it with `python data/text/make_snapshot.py`")
    committed = path.resolve() == (TEXT_DIR / TEXT_FILE).resolve()
    if expected is not None:
        if not isinstance(expected, str) or not _HEX64.fullmatch(expected.strip()):
            raise ValueError(f"verify: expected must be a SHA-256 of 64 hex digits, got {expected!r:.80}")
        expected, source = expected.strip().lower(), "the expected digest"
    elif committed:
        expected, source = TEXT_SHA256, "glulib.textdata.TEXT_SHA256"
        if sums.is_file() and read_digest(sums) != expected:
            raise ChecksumError(f"verify: {sums.name} says {read_digest(sums)}, but glulib pins {expected}; "
                                "the checksum file was changed (restore it with git)")
    elif sums.is_file():
        expected, source = read_digest(sums), sums.name
    else:
        raise FileNotFoundError(f"verify: the checksum file {sums} is missing")
    got = sha256_of(path)
    if got != expected:
        raise ChecksumError(f"verify: {path.name} has SHA-256 {got}, expected {expected} from {source}; "
                            f"the file was changed (restore it with git, or remake it and its checksum)")
    return got


@dataclass(frozen=True)
class Corpus:
    """Token ids of the train and held-out parts, and the vocabulary that made them."""

    vocab: str  # the characters, in id order
    train: np.ndarray  # (n_train,) int32
    heldout: np.ndarray  # (n_heldout,) int32
    sha256: str

    @property
    def vocab_size(self):
        return len(self.vocab)

    def encode(self, text):
        """Token ids of ``text``; every character must be in the vocabulary."""
        index = {ch: i for i, ch in enumerate(self.vocab)}
        missing = sorted(set(text) - set(index))
        if missing:
            raise ValueError(f"Corpus.encode: characters {missing[:10]!r} are not in the vocabulary "
                             f"of {self.vocab_size} characters")
        return np.fromiter((index[ch] for ch in text), dtype=np.int32, count=len(text))

    def decode(self, ids):
        """The text of token ids."""
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"Corpus.decode: ids must lie in [0, {self.vocab_size}), "
                             f"got range [{ids.min()}, {ids.max()}]")
        return "".join(self.vocab[i] for i in ids.reshape(-1))


def split_point(text, heldout_fraction):
    """Index where the held-out part starts: the first line start at or after the cut."""
    cut = int(round(len(text) * (1.0 - heldout_fraction)))
    nl = text.find("\n", cut)
    return len(text) if nl < 0 else nl + 1


def load_corpus(path=None, heldout_fraction=0.1):
    """The verified text as a Corpus: character vocabulary, train and held-out ids."""
    func = "load_corpus"
    heldout_fraction = _validate.real_scalar(heldout_fraction, func, "heldout_fraction")
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"{func}: heldout_fraction must lie strictly between 0 and 1, got {heldout_fraction}")
    path = TEXT_DIR / TEXT_FILE if path is None else Path(path)
    digest = verify(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{func}: {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                         "the course reads its text as UTF-8") from None
    if not text:
        raise ValueError(f"{func}: {path} is empty")
    vocab = "".join(sorted(set(text)))
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = np.fromiter((index[ch] for ch in text), dtype=np.int32, count=len(text))  # (n,)
    cut = split_point(text, heldout_fraction)
    if cut <= 0 or cut >= len(text):
        raise ValueError(f"{func}: heldout_fraction {heldout_fraction} leaves an empty part of a "
                         f"{len(text)}-character text")
    return Corpus(vocab=vocab, train=ids[:cut], heldout=ids[cut:], sha256=digest)


def _sizes(func, **sizes):
    for name, n in sizes.items():
        _validate.positive_int(n, func, name)


def batch(ids, batch_size, seq_len, rng):
    """``batch_size`` random windows of ``ids``: inputs and next-character targets, (B, T) each."""
    _sizes("batch", batch_size=batch_size, seq_len=seq_len)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"batch: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if ids.size < seq_len + 1:
        raise ValueError(f"batch: the text has {ids.size} tokens, fewer than seq_len + 1 = {seq_len + 1}")
    starts = rng.integers(0, ids.size - seq_len, size=batch_size)  # (B,)
    offsets = starts[:, None] + np.arange(seq_len + 1)  # (B, T + 1)
    window = ids[offsets]  # (B, T + 1)
    return window[:, :-1], window[:, 1:]


def windows(ids, seq_len, count):
    """``count`` evenly spaced, non-overlapping windows (inputs, targets) for evaluation, (count, T)."""
    _sizes("windows", seq_len=seq_len, count=count)
    n = (ids.size - 1) // seq_len
    if n < 1:
        raise ValueError(f"windows: the text has {ids.size} tokens, fewer than seq_len + 1 = {seq_len + 1}")
    count = min(count, n)
    starts = (np.arange(count) * (n // count)) * seq_len  # (count,)
    offsets = starts[:, None] + np.arange(seq_len + 1)  # (count, T + 1)
    window = ids[offsets]
    return window[:, :-1], window[:, 1:]
