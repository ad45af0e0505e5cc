"""The soak's short version (CI): the same engine as `bench/report_reliability.py`, smaller.

Full version: `.venvs/cli/bin/python bench/report_reliability.py` (>= 50 jobs, >= 200 faults);
its figures are in docs/reliability.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .engine import SoakConfig, format_report, run_soak

pytestmark = [pytest.mark.soak, pytest.mark.faults, pytest.mark.slow]

SHORT = SoakConfig(
    jobs=6,
    bikes_every=6,
    waves=2,
    kill_times=2,
    kill_chance=0.5,
    sigstops=2,
    duplicates=6,
    outages=1,
    outage_seconds=3.0,
    webhook_fail_chance=0.3,
    webhook_outages=1,
    timeout=240.0,
)


def test_short_soak_loses_nothing_completes_once_and_delivers_every_webhook(
    tmp_path: Path,
) -> None:
    result = run_soak(SHORT, tmp_path)
    print(format_report(result))

    assert result.lost == [] and result.stuck == []
    assert result.duplicated_completions == []
    assert result.completed_once == result.frame_exact == result.metadata_matches == SHORT.jobs
    assert result.missing_events == [] and result.invalid_signatures == 0
    assert result.faults["kill -9 at a fault point"] > 0
    assert result.total_faults >= 20
