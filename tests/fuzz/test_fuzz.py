"""Every input ends as a clean error or as an accepted, physical result (tests/fuzz/oracle.py):
the valid base of every kind, the hostile corpus, and hypothesis-driven mutations of every kind.
The benchmark-scale run (2,000+ inputs, time and memory limits) is benchmarks/fuzz.py."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.generate import KINDS, HypothesisRandom, base_case, corpus, mutated_case
from tests.fuzz.oracle import ACCEPTED, CLEAN, run_case

EXAMPLES = int(os.environ.get("ARCHSIM_FUZZ_EXAMPLES", "12"))
FULL = os.environ.get("ARCHSIM_FUZZ_FULL") == "1"     # every corpus case (default: a third, bombs and nesting all)
# bad jump-table CSV/NPZ files (issue 12): every corpus case runs, whatever the sampling below
JUMP_TABLES = {"corpus-jump-csv-empty", "corpus-jump-csv-text-cell", "corpus-jump-csv-nan-cdf",
               "corpus-jump-npz-truncated", "corpus-jump-npz-empty", "corpus-jump-npz-not-zip",
               "corpus-jump-npz-object", "corpus-jump-npz-nan"}


@pytest.mark.parametrize("kind,variant", [(k, v) for k in KINDS for v in range(2)] + [("workload", 2), ("pcm_device", 2)])
def test_the_valid_bases_are_accepted_end_to_end(kind, variant, tmp_path):
    case = base_case(kind, variant)
    outcome = run_case(case, tmp_path / "case")
    assert outcome.category == ACCEPTED, outcome
    assert outcome.step == ("run" if case.run else "check")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for i, c in enumerate(corpus())
                                  if FULL or i % 3 == 0 or c.name in JUMP_TABLES or "bomb" in c.name
                                  or "deep" in c.name])
def test_hostile_corpus(case, tmp_path):
    outcome = run_case(case, tmp_path / "case")
    assert outcome.category in (CLEAN, ACCEPTED), outcome


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_end_cleanly(kind, data, tmp_path_factory):
    # jump tables: the device YAML only here; table-file mutations are in the corpus and benchmarks/fuzz.py
    case = mutated_case(kind, 0, HypothesisRandom(data), tables=False)
    case.run = None                   # check only: fast
    outcome = run_case(case, tmp_path_factory.mktemp("case"))
    assert outcome.category in (CLEAN, ACCEPTED), (case.origin, outcome)


@pytest.mark.parametrize("kind", ["workload", "design", "tech", "sweep"])
@settings(max_examples=2, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_that_run_give_physical_reports(kind, data, tmp_path_factory):
    case = mutated_case(kind, 0, HypothesisRandom(data))
    outcome = run_case(case, tmp_path_factory.mktemp("case"))
    assert outcome.category in (CLEAN, ACCEPTED), (case.origin, outcome)
