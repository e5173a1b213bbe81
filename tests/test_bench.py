"""The kernel benchmark files a ratio against its target by the ratio's interval."""

from bench.bench_kernels import _judge


def test_a_ratio_misses_only_when_its_whole_interval_is_below_the_target():
    misses, ties = [], []
    _judge(misses, ties, "geglu float32 fwd vs torch", (1.84, 1.76, 1.93), 1.0)
    assert misses == ties == []
    _judge(misses, ties, "bilinear float32 fwd vs torch", (0.97, 0.93, 1.04), 1.0)
    assert misses == [] and ties == ["bilinear float32 fwd vs torch 0.97 (interval 0.93-1.04) vs 1.0"]
    _judge(misses, ties, "glu float32 fwd+bwd vs NumPy", (1.3, 1.2, 1.45), 1.5)
    assert misses == ["glu float32 fwd+bwd vs NumPy 1.30 (interval 1.20-1.45) < 1.5"]
