"""The committed training text, its character vocabulary and its train / held-out split.

    corpus = load_corpus()                  # checks the SHA-256 first
    corpus.train, corpus.heldout            # int32 token ids
    corpus.decode(corpus.heldout[:80])      # back to text

The text is a snapshot of CPython's ``pydoc_data.topics`` (the language reference that
``help()`` shows; PSF licence) in ``data/text/``, made by ``data/text/make_snapshot.py``.
Tokens are characters: the vocabulary is the sorted set of characters in the whole file,
so it is the same on every machine. The held-out part is the last ``heldout_fraction`` of
the text, cut at a line break, so no held-out line was ever seen in training.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _validate

#: data/text/ in a source checkout (the course is used from its repository).
TEXT_DIR = Path(__file__).resolve().parents[1] / "data" / "text"
TEXT_FILE = "python_reference.txt"


class ChecksumError(ValueError):
    """The text on disk is not the committed snapshot."""


def sha256_of(path):
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verify(path):
    """Raise ChecksumError unless ``path`` matches the digest in ``path + '.sha256'``."""
    path = Path(path)
    sums = path.with_name(path.name + ".sha256")
    if not path.is_file():
        raise FileNotFoundError(f"verify: the text file {path} is missing; "
                                f"remake it with `python data/text/make_snapshot.py`")
    if not sums.is_file():
        raise FileNotFoundError(f"verify: the checksum file {sums} is missing")
    expected = sums.read_text().split()[0]
    got = sha256_of(path)
    if got != expected:
        raise ChecksumError(f"verify: {path.name} has SHA-256 {got}, expected {expected} from {sums.name}; "
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
    text = path.read_bytes().decode("utf-8")
    vocab = "".join(sorted(set(text)))
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = np.fromiter((index[ch] for ch in text), dtype=np.int32, count=len(text))  # (n,)
    cut = split_point(text, heldout_fraction)
    if cut <= 0 or cut >= len(text):
        raise ValueError(f"{func}: heldout_fraction {heldout_fraction} leaves an empty part of a "
                         f"{len(text)}-character text")
    return Corpus(vocab=vocab, train=ids[:cut], heldout=ids[cut:], sha256=digest)


def batch(ids, batch_size, seq_len, rng):
    """``batch_size`` random windows of ``ids``: inputs and next-character targets, (B, T) each."""
    if ids.size < seq_len + 1:
        raise ValueError(f"batch: the text has {ids.size} tokens, fewer than seq_len + 1 = {seq_len + 1}")
    starts = rng.integers(0, ids.size - seq_len, size=batch_size)  # (B,)
    offsets = starts[:, None] + np.arange(seq_len + 1)  # (B, T + 1)
    window = ids[offsets]  # (B, T + 1)
    return window[:, :-1], window[:, 1:]


def windows(ids, seq_len, count):
    """``count`` evenly spaced, non-overlapping windows (inputs, targets) for evaluation, (count, T)."""
    n = (ids.size - 1) // seq_len
    if n < 1:
        raise ValueError(f"windows: the text has {ids.size} tokens, fewer than seq_len + 1 = {seq_len + 1}")
    count = min(count, n)
    starts = (np.arange(count) * (n // count)) * seq_len  # (count,)
    offsets = starts[:, None] + np.arange(seq_len + 1)  # (count, T + 1)
    window = ids[offsets]
    return window[:, :-1], window[:, 1:]
