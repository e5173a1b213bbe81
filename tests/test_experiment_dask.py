"""The sweep on a Dask cluster (issue 26): ``python -m glulib.experiment --dask ADDRESS`` or
``--dask local``. On a LocalCluster of two worker processes the results are those of ``--jobs 1``
to the bit; a worker killed in the middle of a run is survived; a scheduler that does not answer
is a clear error before any training. Needs the cluster extra (``pip install -e '.[cluster]'``,
installed by ``make test``)."""

import os
import signal
import threading
import time

import pytest

from glulib import experiment, textdata, train
from glulib.experiment import cli, runner

distributed = pytest.importorskip("distributed", reason="the cluster extra: pip install -e '.[cluster]'")

TINY = train.QUICK.replace(d_model=16, n_heads=2, d_ff_baseline=48, seq_len=16, batch_size=4, steps=4,
                           eval_every=2, eval_windows=4, warmup=1)


def _numbers(res):
    """Everything a run computed: each run without its wall time, in the file's order."""
    return [{k: v for k, v in r.items() if k != "wall_time_s"} for r in res["runs"]]


@pytest.fixture
def quick(monkeypatch, tmp_path):
    monkeypatch.setattr(train, "QUICK", TINY)
    monkeypatch.setattr(runner, "default_jobs", lambda: 2)  # --dask local: two worker processes
    return tmp_path


@pytest.mark.slow
def test_dask_local_gives_the_numbers_of_jobs_1_to_the_bit(quick, capsys):
    argv = ["--quick", "--variants", "relu,glu,swiglu", "--seeds", "2"]
    experiment.main(argv + ["--jobs", "1", "--out", str(quick / "one")])
    experiment.main(argv + ["--dask", "local", "--out", str(quick / "dask")])
    err = capsys.readouterr().err
    assert "Dask: " in err and "2 workers, 2 threads" in err
    assert "min to go" in err and "expected wall time" in err  # the same progress and ETA
    one, dask = experiment.load_results(quick / "one"), experiment.load_results(quick / "dask")
    assert _numbers(dask) == _numbers(one)
    assert sorted(p.name for p in (quick / "dask").iterdir()) == ["runs.csv", "runs.json"]


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_run_is_survived(tmp_path):
    corpus = textdata.load_corpus()
    config = TINY.replace(steps=200, eval_every=100)  # a run long enough to be killed in the middle
    sweep = dict(seeds=[0], variants=["relu", "glu"], sample_chars=4)
    sequential = experiment.run_experiment(corpus, config, n_jobs=1, **sweep)
    killed = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_a_busy_worker():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    time.sleep(0.3)  # well inside a run
                    if client.processing().get(busy[0]):
                        os.kill(pids[busy[0]], signal.SIGKILL)
                        killed.append(busy[0])
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        saved = []
        res = experiment.run_experiment(corpus, config, client=client, **sweep,
                                        on_run=lambda r, k, n: (experiment.save(r, tmp_path / "partial"),
                                                                saved.append(k)))
        killer.join()
    assert killed, "no worker was busy to kill"
    assert res["complete"] and saved == [1, 2]
    assert _numbers(res) == _numbers(sequential)
    assert _numbers(experiment.load_results(tmp_path / "partial")) == _numbers(sequential)


def test_a_scheduler_that_does_not_answer_is_a_clear_error_before_training(quick, monkeypatch, capsys):
    monkeypatch.setattr(cli, "DASK_TIMEOUT_S", 2)
    monkeypatch.setattr(runner, "run_experiment", lambda *a, **k: pytest.fail("training started"))
    monkeypatch.setattr(runner, "estimate_wall_time", lambda *a, **k: pytest.fail("a step was measured"))
    with pytest.raises(SystemExit) as info:
        experiment.main(["--quick", "--variants", "relu", "--seeds", "1", "--dask", "tcp://127.0.0.1:9",
                         "--out", str(quick / "out")])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "--dask tcp://127.0.0.1:9: no Dask scheduler answered within 2 s" in err and "dask scheduler" in err
    assert not (quick / "out" / "runs.json").exists()
