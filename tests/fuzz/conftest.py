"""Fuzz tests run archsim in this process: a hang must fail the test, not stall the suite."""

from __future__ import annotations

import signal

import pytest

CASE_TIMEOUT_S = 60


@pytest.fixture(autouse=True)
def no_hang():
    def expired(*_):
        raise TimeoutError(f"a fuzz test ran longer than {CASE_TIMEOUT_S} s (a hang)")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(CASE_TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)
