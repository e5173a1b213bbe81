"""The saved models (glulib.checkpoints) and the gate microscope's analysis (glulib.microscope)."""

import json
import shutil

import numpy as np
import pytest

from glulib import checkpoints, elementwise, experiment, microscope as ms, model, textdata, train
from glulib.feedforward import BASELINES, FFNS

TINY = train.TrainConfig(model.ModelConfig(d_model=8, n_layers=2, n_heads=2, seq_len=8, d_ff_baseline=12),
                         steps=3, batch_size=2, eval_every=3, eval_windows=2, warmup=1)


@pytest.fixture(scope="module")
def corpus():
    return textdata.load_corpus()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, corpus):
    """A models folder holding three tiny trained models, saved as make experiment saves them."""
    d = tmp_path_factory.mktemp("models")
    for v in ("relu", "glu", "reglu"):
        experiment.one_run(corpus, TINY.replace(variant=v), 0, sample_chars=1, params_dir=d)
    return d


# ---- the committed models ----
def test_committed_models_load_and_match_the_committed_runs():
    results = experiment.load_results()
    committed = {r["variant"]: r for r in results["runs"] if r["seed"] == 0}
    manifest = checkpoints.read_manifest()
    assert manifest["config"] == train.TrainConfig.from_dict(results["config"]).replace(variant="relu").as_dict()
    assert manifest["text_sha256"] == results["text_sha256"]
    for v in model.FFN_NAMES:
        params, config = checkpoints.load_model(v)
        entry = manifest["models"][f"{v}/0"]
        assert entry["bytes"] <= 1_100_000
        # the saved model is the end of the committed run: the same curve to the bit (data/README.md says so)
        assert entry["curve"]["heldout_loss"] == committed[v]["curve"]["heldout_loss"], v
        assert entry["curve"]["step"] == committed[v]["curve"]["step"]
        assert model.count_params(params) == committed[v]["n_params"] and config.d_ff == committed[v]["d_ff"]


def test_a_committed_model_reproduces_its_heldout_loss(corpus):
    params, config = checkpoints.load_model("reglu")
    full = train.TrainConfig.from_dict(checkpoints.read_manifest()["config"])
    x, y = textdata.windows(corpus.heldout, config.seq_len, full.eval_windows)
    with train.single_threaded():
        loss = train.evaluate(params, config, x, y)
    want = checkpoints.read_manifest()["models"]["reglu/0"]["heldout_loss"]
    assert loss == pytest.approx(want, rel=1e-5)  # float32: the order of sums may change with the code


# ---- saving and loading ----
def test_saved_files_are_byte_for_byte_reproducible(tiny_dir, corpus, tmp_path):
    experiment.one_run(corpus, TINY.replace(variant="glu"), 0, sample_chars=1, params_dir=tmp_path)
    assert (tmp_path / "glu_seed0.npz").read_bytes() == (tiny_dir / "glu_seed0.npz").read_bytes()
    assert checkpoints.read_manifest(tmp_path)["text_sha256"] == corpus.sha256


def test_only_saved_seeds_are_kept(corpus, tmp_path):
    experiment.one_run(corpus, TINY.replace(variant="glu"), 1, sample_chars=1, params_dir=tmp_path)
    assert not (tmp_path / "glu_seed1.npz").exists()


def test_good_file_loads_with_the_shapes_of_its_config(tiny_dir):
    params, config = checkpoints.load_model("glu", models_dir=tiny_dir)
    assert config.variant == "glu" and config.d_model == 8
    assert {k: v.shape for k, v in params.items()} == model.param_shapes(config)
    assert all(v.dtype == np.float32 for v in params.values())


@pytest.fixture
def copy_dir(tiny_dir, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(tiny_dir, d)
    return d


def test_missing_file(copy_dir):
    (copy_dir / "glu_seed0.npz").unlink()
    with pytest.raises(FileNotFoundError, match="load_model: .*glu_seed0.npz is missing"):
        checkpoints.load_model("glu", models_dir=copy_dir)


def test_missing_manifest(copy_dir):
    (copy_dir / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="manifest.json is missing"):
        checkpoints.load_model("glu", models_dir=copy_dir)


def test_model_not_in_manifest(copy_dir):
    with pytest.raises(checkpoints.CheckpointError, match="no model of swiglu seed 0"):
        checkpoints.load_model("swiglu", models_dir=copy_dir)


def test_corrupt_file(copy_dir):
    path = copy_dir / "glu_seed0.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(checkpoints.CheckpointError, match="corrupt or replaced"):
        checkpoints.load_model("glu", models_dir=copy_dir)


def _replace_glu_model(copy_dir, params):
    """Write ``params`` as the GLU model's file and update its checksum in the manifest."""
    data = checkpoints.npz_bytes(params)
    (copy_dir / "glu_seed0.npz").write_bytes(data)
    manifest = json.loads((copy_dir / "manifest.json").read_text())
    manifest["models"]["glu/0"]["sha256"] = checkpoints._sha256(data)
    (copy_dir / "manifest.json").write_text(json.dumps(manifest))


def test_mismatched_file(copy_dir):
    """Another model's file under this name, its checksum updated: the shapes give it away."""
    params, _ = checkpoints.load_model("relu", models_dir=copy_dir)
    _replace_glu_model(copy_dir, params)
    with pytest.raises(checkpoints.CheckpointError, match="does not match the glu config: missing"):
        checkpoints.load_model("glu", models_dir=copy_dir)


def test_wrong_shape_and_dtype(copy_dir):
    params, config = checkpoints.load_model("glu", models_dir=copy_dir)
    for bad in ({**params, "0.ffn.W": params["0.ffn.W"][:, :-1]}, {**params, "norm_f": params["norm_f"].astype(np.float64)}):
        _replace_glu_model(copy_dir, bad)
        with pytest.raises(checkpoints.CheckpointError, match="must be float32 of shape"):
            checkpoints.load_model("glu", models_dir=copy_dir)


def test_bad_manifest_and_bad_variant(copy_dir):
    with pytest.raises(ValueError, match="variant"):
        checkpoints.load_model("tanh", models_dir=copy_dir)
    (copy_dir / "manifest.json").write_text("{not json")
    with pytest.raises(checkpoints.CheckpointError, match="not valid JSON"):
        checkpoints.load_model("glu", models_dir=copy_dir)


def test_new_settings_start_a_new_manifest(copy_dir, corpus):
    run = train.train(corpus, TINY.replace(variant="glu", steps=2, warmup=0, eval_every=2), 0)
    checkpoints.save_run(run, copy_dir, text_sha256=corpus.sha256)
    manifest = checkpoints.read_manifest(copy_dir)
    assert list(manifest["models"]) == ["glu/0"] and manifest["config"]["steps"] == 2
    with pytest.raises(checkpoints.CheckpointError, match="no model of relu"):
        checkpoints.load_model("relu", models_dir=copy_dir)
    params, _ = checkpoints.load_model("glu", models_dir=copy_dir)
    np.testing.assert_array_equal(params["0.ffn.W"], run.params["0.ffn.W"])


# ---- the analysis, on a tiny model ----
@pytest.fixture(scope="module")
def tiny(tiny_dir, corpus):
    out = {}
    for v in ("relu", "glu", "reglu"):
        params, config = checkpoints.load_model(v, models_dir=tiny_dir)
        tokens, targets = ms.passage(corpus, 40, 3, config.seq_len)
        out[v] = (params, config, tokens, targets, corpus.decode(tokens))
    return out


def _reference_loss(params, config, tokens, targets, override=None):
    """An independent forward (float64) in which ``override(layer, opening, value)`` may replace
    the FFN's hidden product of one layer."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    B, T = tokens.shape
    x = p["tok_emb"][tokens] + p["pos_emb"][:T]  # (B, T, d)

    def norm(z, g):
        return z / np.sqrt(np.mean(z * z, axis=-1, keepdims=True) + model.RMS_EPS) * g

    for i in range(config.n_layers):
        L = model.layer_params(p, i)
        a = model.attention(norm(x, L["norm1"]), L, config.n_heads)
        h = x + a
        f = norm(h, L["norm2"]).reshape(-1, config.d_model)  # (B*T, d)
        opening = elementwise.activate(f @ L["ffn.W"], FFNS[config.variant])
        value = f @ L["ffn.V"] if "ffn.V" in L else None
        hidden = opening if value is None else opening * value
        if override is not None:
            hidden = override(i, opening, value, hidden)
        x = h + (hidden @ L["ffn.W2"]).reshape(B, T, -1)
    z = norm(x, p["norm_f"]) @ p["W_out"]
    z = z - z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, targets[..., None], -1).mean()


def test_passage_is_consecutive_heldout_text(corpus):
    tokens, targets = ms.passage(corpus, 5, 3, 8)
    np.testing.assert_array_equal(tokens.reshape(-1), corpus.heldout[5:29])
    np.testing.assert_array_equal(targets.reshape(-1), corpus.heldout[6:30])
    with pytest.raises(ValueError, match="passage: start"):
        ms.passage(corpus, -1, 3, 8)
    with pytest.raises(ValueError, match="exceeds"):
        ms.passage(corpus, corpus.heldout.size, 1, 8)


@pytest.mark.parametrize("variant", ["relu", "glu", "reglu"])
def test_record_is_the_model_forward(tiny, variant):
    params, config, tokens, targets, text = tiny[variant]
    st = ms.record(params, config, tokens, text)
    assert st.n_layers == 2 and st.gated == (variant not in BASELINES)
    for i in range(2):
        np.testing.assert_allclose(st.opening[i], elementwise.activate(st.gate_input[i], FFNS[variant]), rtol=1e-6)
        want = st.opening[i] if not st.gated else st.opening[i] * st.value[i]
        np.testing.assert_allclose(st.product[i], want, rtol=1e-6)
    # replaying the recorded products through the reference gives the model's own loss
    loss = _reference_loss(params, config, tokens, targets, override=lambda i, g, u, h: st.product[i])
    assert loss == pytest.approx(model.loss(params, tokens, targets, config), rel=1e-5)
    with pytest.raises(ValueError, match="record: text"):
        ms.record(params, config, tokens, text[:-1])


@pytest.mark.parametrize("variant,how", [("relu", "opening at mean"), ("glu", "opening at mean"),
                                         ("glu", "opening at 1"), ("reglu", "value at mean")])
@pytest.mark.parametrize("layer", [0, 1])
def test_ablate_matches_an_independent_forward(tiny, variant, how, layer):
    params, config, tokens, targets, _ = tiny[variant]
    units = np.array([0, 3, config.d_ff - 1])
    losses, base = ms.ablate(params, config, tokens, targets, layer, how, units=units, chunk=2)
    assert base == pytest.approx(model.loss(params, tokens, targets, config), rel=1e-5)
    for j, got in zip(units, losses):
        def override(i, g, u, h, j=j):
            if i != layer:
                return h
            h = h.copy()
            if how == "opening at mean":
                h[:, j] = g[:, j].mean() * (1 if u is None else u[:, j])
            elif how == "opening at 1":
                h[:, j] = u[:, j]
            else:
                h[:, j] = g[:, j] * u[:, j].mean()
            return h
        assert got == pytest.approx(_reference_loss(params, config, tokens, targets, override), rel=1e-5)


def test_ablate_refuses(tiny):
    params, config, tokens, targets, _ = tiny["relu"]
    with pytest.raises(ValueError, match="ungated"):
        ms.ablate(params, config, tokens, targets, 0, "opening at 1")
    with pytest.raises(ValueError, match="how"):
        ms.ablate(params, config, tokens, targets, 0, "gate at zero")
    with pytest.raises(ValueError, match="layer"):
        ms.ablate(params, config, tokens, targets, 2, "opening at mean")
    with pytest.raises(ValueError, match="units"):
        ms.ablate(params, config, tokens, targets, 0, "opening at mean", units=np.array([config.d_ff]))
    for chunk in (-1, 0, 2.0, True):
        with pytest.raises(ValueError, match=rf"ablate: chunk must be a positive integer, got {chunk!r}"):
            ms.ablate(params, config, tokens, targets, 0, "opening at mean", chunk=chunk)


def test_auc_against_pairs(rng):
    x = rng.integers(0, 4, (40, 5)).astype(float)  # (40, 5), many ties
    m = rng.random(40) < 0.3
    want = [np.mean([(p > q) + 0.5 * (p == q) for p in x[m, j] for q in x[~m, j]]) for j in range(5)]
    np.testing.assert_allclose(ms.auc(x, m), want, rtol=1e-12)
    np.testing.assert_allclose(ms.auc(np.arange(6.0)[:, None], np.array([0, 0, 0, 1, 1, 1], bool)), [1.0])
    with pytest.raises(ValueError, match="both classes"):
        ms.auc(x, np.zeros(40, bool))


def test_class_masks():
    text = 'def f(x):\n    return "A1"\n'
    m = ms.class_masks(text)
    assert set(m) == set(ms.CLASSES)
    assert [text[i] for i in np.flatnonzero(m["line break"])] == ["\n", "\n"]
    assert np.flatnonzero(m["indentation"]).tolist() == [10, 11, 12, 13]
    assert "".join(text[i] for i in np.flatnonzero(m["keyword"])) == "defreturn"
    assert "".join(text[i] for i in np.flatnonzero(m["quote"])) == '""'
    assert "".join(text[i] for i in np.flatnonzero(m["digit"])) == "1"
    assert "".join(text[i] for i in np.flatnonzero(m["capital letter"])) == "A"
    assert "".join(text[i] for i in np.flatnonzero(m["bracket"])) == "()"


def test_selectivity_best_units_and_contexts(tiny):
    params, config, tokens, targets, text = tiny["glu"]
    st = ms.record(params, config, tokens, text)
    scores = ms.selectivity(st)
    masks = ms.class_masks(text)
    for name, s in scores.items():
        assert s.shape == (2, config.d_ff)
        np.testing.assert_allclose(s[1], ms.auc(st.opening[1], masks[name]))
    best = ms.best_units(scores)
    for name, (layer, unit, a) in best.items():
        assert a == scores[name].max() == scores[name][layer, unit]
    top = ms.top_contexts(st, 1, 2, k=4, before=5, seq_len=config.seq_len)
    g = st.opening[1][:, 2]
    assert [c[3] for c in top] == pytest.approx(sorted(g, reverse=True)[:4])
    for before, ch, after, _ in top:
        assert len(ch) == 1 and len(before) <= 5
    with pytest.raises(ValueError, match="unit must be"):
        ms.top_contexts(st, 1, config.d_ff)
    for kwargs, arg in (({"k": -1}, "k"), ({"k": 0}, "k"), ({"k": 2.5}, "k"), ({"before": -3}, "before"),
                        ({"after": None}, "after"), ({"seq_len": 0}, "seq_len")):
        with pytest.raises(ValueError, match=rf"top_contexts: {arg} must be a (positive|non-negative) integer"):
            ms.top_contexts(st, 1, 2, **kwargs)
    assert len(ms.top_contexts(st, 1, 2, k=10 ** 6)) == len(g)  # more than there are: every character


def test_opening_stats(tiny):
    params, config, tokens, _, text = tiny["reglu"]
    st = ms.record(params, config, tokens, text)
    rows = ms.opening_stats(st)
    g = st.opening[0]
    assert rows[0]["exactly 0"] == pytest.approx(np.mean(g == 0)) and rows[0]["negative"] == 0.0
    assert 0 <= rows[0]["both large"] <= 0.1
    relu = ms.record(*tiny["relu"][:2], tiny["relu"][2])
    assert np.isnan(ms.opening_stats(relu)[1]["both large"])
    with pytest.raises(ValueError, match="near"):
        ms.opening_stats(st, near=0.7)


def test_committed_ablation_table_matches_a_recomputation(corpus):
    table = ms.load_ablations()
    params, config = checkpoints.load_model("swiglu")
    tokens, targets = ms.passage(corpus, 0, table["n_windows"], config.seq_len)
    units = np.array([0, 100])
    for how in ms.ABLATIONS:
        losses, base = ms.ablate(params, config, tokens, targets, 1, how, units=units)
        np.testing.assert_allclose(losses - base, table["models"]["swiglu"][how][1][units], atol=2e-6)
    assert set(table["models"]) == set(model.FFN_NAMES)
    assert set(table["models"]["relu"]) == {"base", "opening at mean"}


@pytest.mark.slow  # the command line times a full-size training step for its estimate first
@pytest.mark.parametrize("argv,saves", [([], True), (["--quick", "--seeds", "1"], False)])
def test_make_experiment_saves_the_models_of_the_full_comparison_only(tmp_path, monkeypatch, argv, saves):
    seen = {}

    def fake_run_experiment(corpus, config, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment.results, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(experiment.results, "SCRATCH_DIR", tmp_path / "results" / "scratch")
    monkeypatch.setattr(experiment.runner, "run_experiment", fake_run_experiment)
    with pytest.raises(SystemExit):
        experiment.main(argv)
    # staged beside the partial results; moved into data/models/ only with the finished runs.json
    assert seen["params_dir"] == (tmp_path / "results" / "partial" / "models" if saves else None)


def test_retrain_refuses_unknown_variants(capsys):
    from glulib import retrain
    with pytest.raises(SystemExit):
        retrain.main(["--variants", "tanh"])
    assert "choose from" in capsys.readouterr().err


# ---- what notebook 07 says in prose about the committed models, checked ----
@pytest.fixture(scope="module")
def committed_states(corpus):
    return ms.record_all(corpus)


def test_premises_of_the_notebook_on_units(committed_states):
    best = {v: ms.best_units(ms.selectivity(s)) for v, s in committed_states.items()}
    for v in best:
        for c in ("line break", "indentation", "quote", "bracket", "digit"):
            assert best[v][c][2] > 0.9, (v, c)  # high raw scores, before the nulls
        assert min(best[v], key=lambda c: best[v][c][2]) == "keyword"  # "keywords are the hard case"
    # "the capital-letter unit of SwiGLU opens most on lower-case letters in the contexts printed"
    L, j, _ = best["swiglu"]["capital letter"]
    assert all(ch.islower() for _, ch, _, _ in ms.top_contexts(committed_states["swiglu"], L, j, k=3))
    # "GELU's bracket unit has fewer than half brackets among its top 20"; the other named classes'
    # best units have mostly their class there in every FFN, capital letters in none but ReGLU
    masks = ms.class_masks(committed_states["relu"].text)

    def precision(v, c):
        L, j, _ = best[v][c]
        top = np.argsort(-committed_states[v].opening[L][:, j], kind="stable")[:min(20, int(masks[c].sum()))]
        return masks[c][top].mean()
    assert precision("gelu", "bracket") < 0.5
    assert all(precision(v, c) >= 0.5 for v in best for c in ("line break", "indentation", "quote"))
    assert sum(precision(v, "capital letter") >= 0.5 for v in best) <= 1


def test_premises_of_the_notebook_on_openings(committed_states):
    from glulib import typhoon
    stats = {v: ms.opening_stats(s) for v, s in committed_states.items()}
    mean = {v: {k: np.mean([r[k] for r in rows]) for k in rows[0] if k != "layer"} for v, rows in stats.items()}
    pump = typhoon.pump(typhoon.load_history()["x"])["opening"]
    glu = np.concatenate([g.ravel() for g in committed_states["glu"].opening])
    # neither switches: most openings strictly between 0.05 and 0.95; GLU's nearly closed far more often
    assert mean["glu"]["middle"] > 0.5 and np.mean((pump >= 0.05) & (pump <= 0.95)) > 0.5
    assert np.mean(glu < 0.2) > 3 * np.mean(pump < 0.2)
    for v in ("relu", "reglu"):
        assert mean[v]["exactly 0"] > 0.4  # "silent at a large share of characters"
    for v in ("gelu", "swish", "geglu", "swiglu"):
        assert mean[v]["negative"] > 0.45  # "at about half of them or more"
    assert 0.4 < mean["bilinear"]["negative"] < 0.6 and mean["bilinear"]["above 1"] > 0.1
    for v in ("glu", "bilinear", "geglu", "swiglu", "reglu"):
        assert 0.01 < mean[v]["both large"] < 0.05  # "somewhat more often than chance, not most of the time"


def test_premises_of_the_notebook_on_ablations():
    table = ms.load_ablations()["models"]
    gated = [v for v in table if v not in BASELINES]
    for v in gated:
        a, one, value = (table[v][h].ravel() for h in ms.ABLATIONS)  # at mean, at 1, value at mean
        assert np.corrcoef(a, value)[0, 1] > 0.3  # "a positive correlation"
        assert np.mean(one > a) > 0.5  # "for more than half the units"
    biggest = {v: max(e[h].max() for h in ms.ABLATIONS if h in e) for v, e in table.items()}
    assert max(biggest.values()) < 0.1  # "a small fraction of a nat"
    assert max(biggest[v] for v in BASELINES) < max(biggest[v] for v in gated)  # "somewhat smaller"
    mean = {v: e["opening at mean"].mean() for v, e in table.items()}
    assert max(mean[v] for v in BASELINES) < min(mean[v] for v in gated)  # "their typical unit matters less"
    assert all(np.mean(e["opening at mean"] < 0) > 0.1 for e in table.values())  # some ablations lower the loss


def test_premise_single_unit_rankings_depend_on_the_characters(corpus):
    """Notebook 07: "a correlation well below 1" between two separate passages."""
    params, config = checkpoints.load_model("swiglu")
    half = ms.load_ablations()["n_windows"] // 2
    halves = []
    for start in (0, corpus.heldout.size // 2):
        tokens, targets = ms.passage(corpus, start, half, config.seq_len)
        losses, base = ms.ablate(params, config, tokens, targets, 1, "opening at mean")
        halves.append(losses - base)
    assert np.corrcoef(*halves)[0, 1] < 0.8


def test_premise_the_same_unit_keeps_coming_back(committed_states):
    """Notebook 07: models of one shape start from the same weights, and the best unit for a class
    is shared by two or more FFNs of a group in most (class, group) cells."""
    best = {v: ms.best_units(ms.selectivity(s)) for v, s in committed_states.items()}
    groups = [[v for v in best if v in BASELINES], [v for v in best if v not in BASELINES]]
    shared = 0
    for c in ms.CLASSES:
        for vs in groups:
            found = [best[v][c][:2] for v in vs]
            shared += max(found.count(f) for f in found) > 1
    assert shared >= 10
