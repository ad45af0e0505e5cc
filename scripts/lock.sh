#!/usr/bin/env bash
# Regenerate constraints.txt: one resolved version for every external package that any vidpipe
# package declares (dependencies and extras; internal vidpipe-* packages excluded), for Python 3.11
# on every platform. Run it after changing a dependency in any packages/*/pyproject.toml;
# `ensure-venv.sh` then refreshes the venvs whose inputs changed.
# Pass --upgrade to move every pin to the newest allowed version; by default existing pins are kept.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

ensure_tools
python3 scripts/packages.py external-deps >/dev/null  # fail here, before uv, on a broken pyproject
python3 scripts/packages.py external-deps \
    | "$UV" pip compile - -q --universal --python-version 3.11 \
        --custom-compile-command "bash scripts/lock.sh" \
        -o constraints.txt "$@" >/dev/null
log "wrote constraints.txt"
