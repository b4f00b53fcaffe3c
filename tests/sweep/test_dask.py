"""The same sweep on a Dask LocalCluster (2 worker processes): identical results to the sequential
run, a failing task marks only its point failed, and a worker killed mid-sweep loses no point, also
when the killed workers held every copy of the sweep context.

The worker-loss tests run once by default; CI repeats them (ARCHSIM_DASK_REPEAT=20, see .ci/run):
a flaky fault path is a bug."""

from __future__ import annotations

import json
import logging
import os

import pytest
from sweep_cases import small_sweep
from sweep_faults import FailOn, KillContextHolders, KillWorkerOnce

from archsim.sweep.config import load_sweep
from archsim.sweep.execute import run_sweep

distributed = pytest.importorskip("distributed")
REPEAT = int(os.environ.get("ARCHSIM_DASK_REPEAT", "1"))
WORKERS = 2


def _cluster():
    return distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None,
                                    silence_logs=logging.CRITICAL)


@pytest.fixture(scope="module")
def client():
    with _cluster() as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def fresh_client():
    """A new cluster for each worker-loss test: after many rapid kills, Dask's LocalCluster can fail to
    restart a worker (a nanny closes), which would leave the next test without workers."""
    with _cluster() as cluster, distributed.Client(cluster) as c:
        yield c


def _results(run) -> dict:
    return {k: (r["status"], r["values"], r["metrics"], r["breakdown"]) for k, r in run.records.items()}


def test_cluster_matches_sequential_exactly(write_sweep, tmp_path, client):
    plan = load_sweep(write_sweep(small_sweep(chunk_size=2)))
    seq = run_sweep(plan, tmp_path / "seq", workers=1, progress=False)
    par = run_sweep(plan, tmp_path / "par", client=client, progress=False)
    assert par.evaluated == len(plan.todo)
    assert json.dumps(_results(par), sort_keys=True) == json.dumps(_results(seq), sort_keys=True)
    assert par.where.startswith("dask")


def test_failing_task_marks_only_its_point(write_sweep, tmp_path, client):
    plan = load_sweep(write_sweep(small_sweep(chunk_size=4)))
    run = run_sweep(plan, tmp_path / "out", client=client, progress=False,
                    chunk_fn=FailOn("design.crossbar.rows", 64))
    assert set(run.records) == {p.key for p in plan.todo}
    failed = {k for k, r in run.records.items() if r["status"] == "failed"}
    assert failed == {p.key for p in plan.todo if p.values["design.crossbar.rows"] == 64}
    assert all("injected failure" in run.records[k]["error"] for k in failed)


def _assert_each_point_once_and_ok(plan, run, out):
    assert {r["status"] for r in run.records.values()} == {"ok"}, \
        {r["error"] for r in run.records.values() if r["status"] != "ok"}
    keys = [json.loads(line)["key"] for line in (out / "points.jsonl").read_text().splitlines()]
    assert sorted(keys) == sorted(p.key for p in plan.todo)    # each point exactly once


@pytest.mark.parametrize("attempt", range(REPEAT))
def test_lost_worker_is_retried_without_loss_or_duplicates(write_sweep, tmp_path, fresh_client, attempt):
    client = fresh_client
    plan = load_sweep(write_sweep(small_sweep(chunk_size=3)))
    marker = tmp_path / "killed.txt"
    run = run_sweep(plan, tmp_path / "out", client=client, progress=False,
                    chunk_fn=KillWorkerOnce("design.crossbar.rows", 128, marker))
    assert marker.exists()                               # a worker really died mid-sweep
    _assert_each_point_once_and_ok(plan, run, tmp_path / "out")


@pytest.mark.parametrize("attempt", range(REPEAT))
def test_killing_every_worker_holding_the_context_loses_nothing(write_sweep, tmp_path, fresh_client, attempt):
    client = fresh_client
    plan = load_sweep(write_sweep(small_sweep(chunk_size=2)))
    marker = tmp_path / "killed.txt"
    run = run_sweep(plan, tmp_path / "out", client=client, progress=False, chunk_fn=KillContextHolders(marker))
    assert "context" in marker.read_text()               # the holders of the context really died
    _assert_each_point_once_and_ok(plan, run, tmp_path / "out")
