"""The soak, full size: >= 50 jobs on the local stack under >= 200 injected faults, then proof.

The engine is `packages/cli/tests/soak/engine.py` (its docstring lists every fault and every
check); CI runs the same engine small (`packages/cli/tests/soak/test_soak.py`). This prints
jobs, faults by kind, jobs completed exactly once (final.mp4 frame-exact by ffprobe), lost,
duplicated completions, stuck jobs after the sweeper, webhooks delivered per event (duplicates
counted, every signature checked) and times to recover; it exits 1 unless every job completed
exactly once and every event was delivered.

    .venvs/cli/bin/python bench/report_reliability.py [--jobs 50] [--kill-times 12]
        [--kill-chance 0.5] [--sigstops 12] [--duplicates 30] [--outages 3] [--seed 13]

Every figure is measured in this one run, on this machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# The soak engine lives with the test suites (packages/cli/tests/soak).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages" / "cli"))

from tests.soak.engine import SoakConfig, format_report, run_soak  # noqa: E402


def parse_args() -> SoakConfig:
    defaults = SoakConfig()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, value in vars(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return SoakConfig(**vars(parser.parse_args()))


def main() -> int:
    config = parse_args()
    with tempfile.TemporaryDirectory(prefix="vidpipe-soak-") as tmp:
        result = run_soak(config, Path(tmp))
    print(format_report(result))
    return 0 if result.proven else 1


if __name__ == "__main__":
    raise SystemExit(main())
