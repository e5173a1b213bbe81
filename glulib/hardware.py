"""Notebook 11's passage and the two ways it drops units: small helpers; the measurements
themselves are written out in the notebook's cells.

    llm = glulib.llama.load()
    ids = passage_ids(llm)                      # the held-out course text, as SmolLM2 tokens
    llm.loss(ids, edit_product=keep_largest(0.2))   # every layer keeps 20% of its units per token
"""

import numpy as np

from . import _validate, textdata

#: How many tokens the notebook reads (plus one, the last token's target).
PASSAGE_TOKENS = 64
#: How many characters of the held-out text are tokenised to get them (more than enough).
PASSAGE_CHARS = 2000


def passage_ids(llm, n_tokens=PASSAGE_TOKENS):
    """The first ``n_tokens + 1`` SmolLM2 tokens of the course's held-out text (int64)."""
    n_tokens = _validate.positive_int(n_tokens, "passage_ids", "n_tokens")
    corpus = textdata.load_corpus()
    ids = llm.encode(corpus.decode(corpus.heldout[:PASSAGE_CHARS]))
    if ids.size < n_tokens + 1:
        raise ValueError(f"passage_ids: the passage has only {ids.size} tokens, asked for {n_tokens + 1}")
    return ids[:n_tokens + 1]


def keep_largest(share, score=None):
    """An ``edit_product`` for ``glulib.llama``: in every layer and at every token, keep the
    ``share`` of units with the largest |score| and set the others' products to 0.

    ``score`` is None (rank by |product| itself) or a list with one (n_tokens, d_ff) array per
    layer, such as the openings recorded on the same ids: exact only when one layer is edited
    (``only_layer``), since an edit changes the openings of the layers after it. Ties at the
    cut are kept.
    """
    share = _validate.real_scalar(share, "keep_largest", "share")
    if not 0 < share <= 1:
        raise ValueError(f"keep_largest: share must lie in (0, 1], got {share}")

    def edit(layer, product):
        s = np.abs(product if score is None else score[layer])  # (n_tokens, d_ff)
        k = max(1, round(share * s.shape[1]))
        cut = -np.partition(-s, k - 1, axis=1)[:, k - 1:k]  # (n_tokens, 1): the k-th largest per token
        return np.where(s >= cut, product, 0.0).astype(product.dtype)

    return edit


def only_layer(layer, edit):
    """An ``edit_product`` that applies ``edit`` in layer ``layer`` alone and leaves the others."""
    return lambda i, product: edit(i, product) if i == layer else product


def token_losses(llm, ids, **options):
    """Next-token cross-entropy (nats) at each of ids[1:], (len(ids) - 1,) float64: the terms
    whose mean is ``llm.loss(ids, **options)``. Paired per-token differences between two runs on
    the same ids give a loss change with its standard error."""
    z = llm.logits(ids[:-1], **options).astype(np.float64)  # (T, vocab)
    z -= z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (T, vocab)
    return -log_p[np.arange(len(ids) - 1), ids[1:]]  # (T,)


def change(losses, base):
    """Mean of the per-token loss change ``losses - base`` and its standard error (paired)."""
    d = np.asarray(losses, dtype=np.float64) - np.asarray(base, dtype=np.float64)  # (T,)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
