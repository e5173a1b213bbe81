"""glulib.textdata: the committed text, its checksum, vocabulary and split."""

import hashlib

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
