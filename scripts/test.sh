#!/usr/bin/env bash
# Run every check of every package (ruff, mypy, pytest) through nx, after setting up what is
# missing, then print a summary of the test reports. This is what CI runs.
# Usage: test.sh                      every package (nx run-many); NX_PARALLEL=N runs N tasks at once
#        test.sh affected [nx-args]   only what changed, e.g. `test.sh affected --base=origin/main`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
# The locks must match the pyproject files: a dependency changed without `bash scripts/lock.sh`
# fails here, not later on another machine.
bash scripts/lock.sh --check

require_tests=(--require-tests)
if [[ ${1:-} == affected ]]; then
    shift
    nx_command=(affected "$@")
    require_tests=()  # a change to docs alone affects no package
else
    nx_command=(run-many "$@")
fi

# Stale reports must not count; nx restores the reports of cached test runs.
rm -rf reports/junit
export NX_NO_CLOUD=true NX_DAEMON=false
# Plain pytest output in logs (CI, files); colours on a terminal.
[[ -t 1 ]] || export PY_COLORS=0 NO_COLOR=1
status=0
# CI runs every check for real: nx's cache lives outside the checkout and would replay results.
cache_flags=()
[[ ${CI:-} == true ]] && cache_flags=(--skip-nx-cache)
npx --no-install nx "${nx_command[@]}" -t lint typecheck test --parallel="${NX_PARALLEL:-2}" --outputStyle=static "${cache_flags[@]}" || status=$?

# The lanes on real targets (scripts/lanes.sh): the suites against LocalStack, the images in
# podman containers. Their reports join the summary. VIDPIPE_LANES=0 skips them.
if [[ ${VIDPIPE_LANES:-1} != 0 ]]; then
    bash scripts/lanes.sh || status=1
fi

echo
echo "JUnit reports (reports/junit):"
python3 scripts/junit_summary.py reports/junit "${require_tests[@]}" || status=1
if [[ $status -ne 0 ]]; then
    echo "FAILED: see the nx output above" >&2
fi
exit "$status"
