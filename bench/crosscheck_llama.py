"""glulib.llama against Hugging Face transformers loading the same GGUF file.

    python -m bench.crosscheck_llama          # needs the bench extra: pip install -e '.[bench]'

transformers dequantises the file itself, undoes llama.cpp's Q/K row order and runs its own
PyTorch LlamaForCausalLM; glulib.llama runs NumPy. Prints the largest difference of the logits
relative to their largest size, per text, and whether the greedy continuations agree.
"""

import numpy as np

TEXTS = (
    "The gate decides how much of the value passes through.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Typhoon pumps in 1962 ran at 4,500 litres per second; numbers like 3.14159 split into digits.",
)


def reference_model(path):
    """transformers' model and tokenizer for the GGUF file at ``path`` (float32, eager attention)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": path.name}
    model = AutoModelForCausalLM.from_pretrained(path.parent, dtype=torch.float32,
                                                 attn_implementation="eager", **kwargs)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, **kwargs)
    return model.eval(), tokenizer


def crosscheck(llm, model, tokenizer, texts=TEXTS, n_new=12):
    """One row per text: (tokens equal, max |logits difference| / max |logits|, greedy equal)."""
    import torch

    rows = []
    for text in texts:
        ids = llm.encode(text)
        same_tokens = tokenizer(text, add_special_tokens=False)["input_ids"] == ids.tolist()
        with torch.no_grad():
            ref = model(torch.tensor(ids[None])).logits[0].numpy()  # (T, vocab)
            ref_new = model.generate(torch.tensor(ids[None]), max_new_tokens=n_new, do_sample=False,
                                     min_new_tokens=n_new)[0, len(ids):].numpy()
        ours = llm.logits(ids)  # (T, vocab)
        rel = float(np.abs(ours - ref).max() / np.abs(ref).max())
        same_new = np.array_equal(llm.generate(ids, n_new), ref_new)
        rows.append((same_tokens, rel, same_new))
    return rows


def main():
    from glulib import llama

    llm = llama.load()
    model, tokenizer = reference_model(llm.path)
    worst = 0.0
    for text, (same_tokens, rel, same_new) in zip(TEXTS, crosscheck(llm, model, tokenizer)):
        worst = max(worst, rel)
        print(f"{text[:40]!r:44} tokens equal: {same_tokens}  max |diff| / max |logit|: {rel:.1e}  "
              f"greedy continuation equal: {same_new}")
    print(f"largest relative difference: {worst:.1e}")


if __name__ == "__main__":
    main()
