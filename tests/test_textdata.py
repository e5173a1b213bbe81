"""glulib.textdata: the committed text, its checksum, vocabulary and split."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from glulib import textdata


@pytest.fixture(scope="module")
def corpus():
    return textdata.load_corpus()


def test_committed_text_matches_its_checksum():
    path = textdata.TEXT_DIR / textdata.TEXT_FILE
    recorded = (textdata.TEXT_DIR / (textdata.TEXT_FILE + ".sha256")).read_text().split()
    assert recorded[1] == textdata.TEXT_FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[0]
    assert (textdata.TEXT_DIR / "LICENSE-PSF.txt").read_text().count("PYTHON SOFTWARE FOUNDATION LICENSE") >= 1


def test_a_changed_file_is_refused(tmp_path):
    src = textdata.TEXT_DIR / textdata.TEXT_FILE
    copy = tmp_path / textdata.TEXT_FILE
    copy.write_bytes(src.read_bytes() + b"x")
    (tmp_path / (textdata.TEXT_FILE + ".sha256")).write_text(
        (textdata.TEXT_DIR / (textdata.TEXT_FILE + ".sha256")).read_text())
    with pytest.raises(textdata.ChecksumError, match="was changed"):
        textdata.load_corpus(copy)
    with pytest.raises(FileNotFoundError, match="missing"):
        textdata.load_corpus(tmp_path / "nothing.txt")


def test_split_round_trips_the_whole_text(corpus):
    text = (textdata.TEXT_DIR / textdata.TEXT_FILE).read_bytes().decode("utf-8")
    assert corpus.decode(corpus.train) + corpus.decode(corpus.heldout) == text
    assert corpus.decode(corpus.train).endswith("\n")  # cut at a line break
    assert 0.09 < corpus.heldout.size / len(text) < 0.11
    assert corpus.vocab == "".join(sorted(set(text)))
    assert corpus.train.dtype == np.int32


def test_encode_decode(corpus):
    ids = corpus.encode("def f(x):\n    return x")
    assert corpus.decode(ids) == "def f(x):\n    return x"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        corpus.encode("\u2603")
    with pytest.raises(ValueError, match="ids must lie in"):
        corpus.decode([corpus.vocab_size])


def test_batches_are_next_character_pairs_and_seeded(corpus):
    x, y = textdata.batch(corpus.train, 4, 16, np.random.default_rng(1))
    x2, _ = textdata.batch(corpus.train, 4, 16, np.random.default_rng(1))
    np.testing.assert_array_equal(x, x2)
    assert x.shape == y.shape == (4, 16)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])


def test_eval_windows_do_not_overlap(corpus):
    x, y = textdata.windows(corpus.heldout, 32, 10)
    assert x.shape == (10, 32)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="fewer than seq_len"):
        textdata.windows(np.arange(5), 8, 2)


def test_bad_fraction_is_a_clear_error():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        textdata.load_corpus(heldout_fraction=1.0)


def _copy_text(tmp_path, digest_text=None):
    """A copy of the committed text in tmp_path, with a checksum file holding ``digest_text``."""
    copy = tmp_path / textdata.TEXT_FILE
    copy.write_bytes((textdata.TEXT_DIR / textdata.TEXT_FILE).read_bytes())
    if digest_text is not None:
        (tmp_path / (textdata.TEXT_FILE + ".sha256")).write_bytes(digest_text)
    return copy


def test_the_digest_is_pinned_in_code_and_matches_the_file():
    path = textdata.TEXT_DIR / textdata.TEXT_FILE
    assert textdata.verify(path) == textdata.TEXT_SHA256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert textdata.read_digest(path.with_name(path.name + ".sha256")) == textdata.TEXT_SHA256


def test_an_upper_case_checksum_is_accepted(tmp_path):
    copy = _copy_text(tmp_path, (textdata.TEXT_SHA256.upper() + "  " + textdata.TEXT_FILE + "\n").encode())
    assert textdata.verify(copy) == textdata.TEXT_SHA256
    assert textdata.load_corpus(copy).sha256 == textdata.TEXT_SHA256
    assert textdata.verify(copy, expected=textdata.TEXT_SHA256.upper()) == textdata.TEXT_SHA256


@pytest.mark.parametrize("digest_text, match", [
    (b"", "is empty"),
    (b"   \n\n", "is empty"),
    (b"not-a-digest  python_reference.txt\n", "should start with a SHA-256 of 64 hex digits"),
    (b"a1f2d64b  python_reference.txt\n", "should start with a SHA-256"),
    (b"\xff\xfe\x00garbage", "is not plain text"),
])
def test_an_empty_or_garbled_checksum_file_is_a_clear_error(tmp_path, digest_text, match):
    copy = _copy_text(tmp_path, digest_text)
    with pytest.raises(textdata.ChecksumError, match=match):
        textdata.load_corpus(copy)


def test_a_missing_checksum_file_and_a_bad_expected_digest(tmp_path):
    copy = _copy_text(tmp_path)
    with pytest.raises(FileNotFoundError, match="checksum file .* is missing"):
        textdata.verify(copy)
    with pytest.raises(ValueError, match="expected must be a SHA-256 of 64 hex digits"):
        textdata.verify(copy, expected="abc")
    with pytest.raises(textdata.ChecksumError, match="expected 0{64} from the expected digest"):
        textdata.verify(copy, expected="0" * 64)


def test_text_that_is_not_utf8_is_a_clear_error(tmp_path):
    text = tmp_path / "latin1.txt"
    data = "caf\u00e9 au lait\n".encode("latin-1")
    text.write_bytes(data)
    (tmp_path / "latin1.txt.sha256").write_text(hashlib.sha256(data).hexdigest() + "  latin1.txt\n")
    with pytest.raises(ValueError, match=r"load_corpus: .*latin1.txt is not UTF-8 text \(invalid .* at byte 3\)"):
        textdata.load_corpus(text)


@pytest.mark.parametrize("call, match", [
    (lambda ids: textdata.windows(ids, 8, 0), "windows: count must be a positive integer"),
    (lambda ids: textdata.windows(ids, 0, 2), "windows: seq_len must be a positive integer"),
    (lambda ids: textdata.batch(ids, 0, 8, np.random.default_rng(0)), "batch: batch_size must be"),
    (lambda ids: textdata.batch(ids, 2, 8.5, np.random.default_rng(0)), "batch: seq_len must be"),
])
def test_bad_sizes_are_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.arange(100))


def test_changing_the_text_and_its_checksum_file_together_is_still_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(textdata, "TEXT_DIR", tmp_path)  # a stand-in for data/text/
    copy = tmp_path / textdata.TEXT_FILE
    original = (Path(textdata.__file__).resolve().parents[1] / "data" / "text" / textdata.TEXT_FILE).read_bytes()
    copy.write_bytes(original + b"edited\n")
    new_digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    (tmp_path / (textdata.TEXT_FILE + ".sha256")).write_text(f"{new_digest}  {textdata.TEXT_FILE}\n")
    with pytest.raises(textdata.ChecksumError, match="but glulib pins"):
        textdata.load_corpus()
    (tmp_path / (textdata.TEXT_FILE + ".sha256")).unlink()
    with pytest.raises(textdata.ChecksumError, match="from glulib.textdata.TEXT_SHA256"):
        textdata.load_corpus()
