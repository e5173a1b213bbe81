"""An independent SmolLM2 forward pass for tests/test_llama.py: plain NumPy in float64, from the
GGUF file through gguf's own reader and dequantiser, written without glulib.

It differs from glulib.llama on purpose wherever the model allows: gguf.GGUFReader instead of
glulib's header walk, float64 instead of float32, Hugging Face's layout (Q and K rows put back
in half-split order, RoPE rotating the two halves) instead of llama.cpp's adjacent pairs, one
head at a time, and no key-value cache.
"""

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def read(path):
    """(fields, {name: float64 array in PyTorch's (out, in) order}) via gguf."""
    reader = GGUFReader(path)
    fields = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    weights = {t.name: dequantize(t.data, t.tensor_type).astype(np.float64) for t in reader.tensors}
    return fields, weights


def unpermute(w, n_heads):
    """llama.cpp stores each head's Q/K rows as interleaved pairs; Hugging Face as two halves."""
    out, d_in = w.shape
    head = out // n_heads
    return w.reshape(n_heads, head // 2, 2, d_in).swapaxes(1, 2).reshape(out, d_in)


class Reference:
    def __init__(self, path):
        f, w = read(path)
        self.n_layers = f["llama.block_count"]
        self.n_heads = f["llama.attention.head_count"]
        self.n_kv = f["llama.attention.head_count_kv"]
        self.eps = f["llama.attention.layer_norm_rms_epsilon"]
        self.base = f["llama.rope.freq_base"]
        self.w = w
        for i in range(self.n_layers):
            w[f"blk.{i}.attn_q.weight"] = unpermute(w[f"blk.{i}.attn_q.weight"], self.n_heads)
            w[f"blk.{i}.attn_k.weight"] = unpermute(w[f"blk.{i}.attn_k.weight"], self.n_kv)

    def norm(self, x, name):
        return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + self.eps) * self.w[name]

    def rotate(self, x):  # x: (T, head), Hugging Face's rotate_half convention
        T, head = x.shape
        inv = 1.0 / self.base ** (np.arange(0, head, 2) / head)
        ang = np.concatenate([np.outer(np.arange(T), inv)] * 2, axis=1)
        half = np.concatenate([-x[:, head // 2:], x[:, :head // 2]], axis=1)
        return x * np.cos(ang) + half * np.sin(ang)

    def logits(self, ids, ffn_hook=None):
        w = self.w
        x = w["token_embd.weight"][ids]
        T, d = x.shape
        head = d // self.n_heads
        for i in range(self.n_layers):
            h = self.norm(x, f"blk.{i}.attn_norm.weight")
            q = h @ w[f"blk.{i}.attn_q.weight"].T
            k = h @ w[f"blk.{i}.attn_k.weight"].T
            v = h @ w[f"blk.{i}.attn_v.weight"].T
            heads = []
            for j in range(self.n_heads):
                kv = j // (self.n_heads // self.n_kv)
                qj = self.rotate(q[:, j * head:(j + 1) * head])
                kj = self.rotate(k[:, kv * head:(kv + 1) * head])
                s = qj @ kj.T / np.sqrt(head) + np.triu(np.full((T, T), -np.inf), 1)
                p = np.exp(s - s.max(1, keepdims=True))
                heads.append((p / p.sum(1, keepdims=True)) @ v[:, kv * head:(kv + 1) * head])
            x = x + np.concatenate(heads, axis=1) @ w[f"blk.{i}.attn_output.weight"].T
            h = self.norm(x, f"blk.{i}.ffn_norm.weight")
            gate = h @ w[f"blk.{i}.ffn_gate.weight"].T
            up = h @ w[f"blk.{i}.ffn_up.weight"].T
            hidden = gate / (1 + np.exp(-gate)) * up
            if ffn_hook is not None:
                ffn_hook(i, gate, up, hidden)
            x = x + hidden @ w[f"blk.{i}.ffn_down.weight"].T
        return self.norm(x, "output_norm.weight") @ w["token_embd.weight"].T

    def greedy(self, ids, n_new):
        """Greedy continuation by running the whole sequence again for every new token."""
        ids = list(ids)
        for _ in range(n_new):
            ids.append(int(np.argmax(self.logits(np.array(ids))[-1])))
        return ids[-n_new:]
