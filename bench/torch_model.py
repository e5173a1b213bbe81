"""``glulib.model`` written again in PyTorch (eager, CPU), for ``bench/bench_training.py``.

The same architecture, parameter for parameter: token and position embeddings, pre-norm
blocks (RMSNorm with eps 1e-6, causal multi-head attention with Wq, Wk, Wv, Wo and no
biases, the FFN of the variant without biases), a final RMSNorm, ``W_out`` and the mean
cross-entropy; weights are stored (in, out) and applied as ``x @ W`` as in glulib. Attention
is ``torch.nn.functional.scaled_dot_product_attention`` with ``is_causal=True``, the call a
PyTorch user writes. ``TorchModel(params, config)`` copies a glulib parameter dict, so both
models start from the same numbers and ``loss`` can be compared with ``glulib.model.loss``.

The optimiser is ``torch.optim.AdamW`` with glulib's settings (betas 0.9, 0.99; eps 1e-8;
weight decay on the matrices, not on embeddings and gains), as ``glulib.train`` sets up
``glulib.optim.AdamW``. Importing this module needs torch (``pip install -e '.[bench]'``).
"""

import numpy as np
import torch
import torch.nn.functional as F

RMS_EPS = 1e-6
_GATES = {"glu": torch.sigmoid, "bilinear": lambda z: z, "reglu": F.relu, "geglu": F.gelu, "swiglu": F.silu}
_BASELINES = {"relu": F.relu, "gelu": F.gelu, "swish": F.silu}


def _rmsnorm(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * g


class TorchModel(torch.nn.Module):
    """The glulib model with ``config`` (a ModelConfig, vocabulary set), its weights copied from ``params``."""

    def __init__(self, params, config):
        super().__init__()
        self.config = config
        self.names = list(params)
        self.weights = torch.nn.ParameterDict(
            {k.replace(".", "_"): torch.nn.Parameter(torch.tensor(np.asarray(v))) for k, v in params.items()})

    def p(self, name):
        return self.weights[name.replace(".", "_")]

    def forward(self, tokens, targets):
        cfg = self.config
        B, T = tokens.shape
        H = cfg.n_heads
        x = self.p("tok_emb")[tokens] + self.p("pos_emb")[:T]  # (B, T, d)
        for i in range(cfg.n_layers):
            xn = _rmsnorm(x, self.p(f"{i}.norm1"))  # (B, T, d)
            q, k, v = (
                (xn @ self.p(f"{i}.{w}")).view(B, T, H, -1).transpose(1, 2) for w in ("Wq", "Wk", "Wv"))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, dh)
            x = x + o.transpose(1, 2).reshape(B, T, -1) @ self.p(f"{i}.Wo")  # (B, T, d)
            hn = _rmsnorm(x, self.p(f"{i}.norm2"))  # (B, T, d)
            if cfg.variant in _GATES:
                hidden = _GATES[cfg.variant](hn @ self.p(f"{i}.ffn.W")) * (hn @ self.p(f"{i}.ffn.V"))
            else:
                hidden = _BASELINES[cfg.variant](hn @ self.p(f"{i}.ffn.W"))  # (B, T, d_ff)
            x = x + hidden @ self.p(f"{i}.ffn.W2")  # (B, T, d)
        logits = _rmsnorm(x, self.p("norm_f")) @ self.p("W_out")  # (B, T, V)
        return F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(-1))

    def optimizer(self, weight_decay):
        """torch.optim.AdamW with glulib.train's settings and decay groups."""
        decay = [self.p(k) for k in self.names if self.p(k).ndim == 2 and "emb" not in k]
        rest = [self.p(k) for k in self.names if not (self.p(k).ndim == 2 and "emb" not in k)]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                  {"params": rest, "weight_decay": 0.0}], betas=(0.9, 0.99), eps=1e-8)


def loss(params, tokens, targets, config):
    """The mean cross-entropy PyTorch computes from glulib's ``params`` (a float)."""
    with torch.no_grad():
        return float(TorchModel(params, config)(torch.as_tensor(tokens, dtype=torch.long),
                                                torch.as_tensor(targets, dtype=torch.long)))


def grads(params, tokens, targets, config):
    """PyTorch's gradient of the loss for every glulib parameter name (NumPy arrays)."""
    m = TorchModel(params, config)
    m(torch.as_tensor(tokens, dtype=torch.long), torch.as_tensor(targets, dtype=torch.long)).backward()
    return {k: m.p(k).grad.numpy() for k in params}
