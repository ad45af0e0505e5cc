#!/usr/bin/env bash
# Create or refresh .venvs/<folder>: the package (editable, with its `test` extra) and its internal
# dependencies (editable), nothing else, with versions from constraints.txt (or the package's own
# constraints file, see `packages.py constraints`).
# Does nothing when the venv was built from the same inputs (see `packages.py stamp`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

folder=${1:?usage: ensure-venv.sh <package-folder>}
venv=.venvs/$folder
stamp_file=$venv/.vidpipe-stamp

want=$(python3 scripts/packages.py stamp "$folder")
if [[ -x $venv/bin/python && -f $stamp_file && "$(<"$stamp_file")" == "$want" ]]; then
    exit 0
fi
project_root=$(python3 scripts/packages.py root "$folder")
if [[ ! -f $project_root/pyproject.toml ]]; then
    log "$project_root/pyproject.toml is missing"
    exit 1
fi

ensure_tools
mkdir -p "$LOCK_DIR"
exec 9>"$LOCK_DIR/$folder.lock"
flock 9
# Someone else may have refreshed it while we waited for the lock.
want=$(python3 scripts/packages.py stamp "$folder")
if [[ -x $venv/bin/python && -f $stamp_file && "$(<"$stamp_file")" == "$want" ]]; then
    exit 0
fi

requirements=()
while read -r dep; do
    [[ -n $dep ]] && requirements+=(-e "$(python3 scripts/packages.py root "$dep")")
done < <(python3 scripts/packages.py deps "$folder")
requirements+=(-e "$project_root[test]")

constraints=$(python3 scripts/packages.py constraints "$folder")
torch_pin=$(grep -E '^torch==' "$constraints" || true)

# Source-only distributions the package declares in packages.py's BUILT_AGAINST_TORCH (sam2)
# are built against the torch just installed, without build isolation (an isolated build would
# fetch another torch, with its CUDA packages); the install that follows finds them in place.
build_against_torch() {
    local name build_env pin
    while read -r name build_env; do
        [[ -z $name ]] && continue
        pin=$(grep -iE "^${name}==" "$constraints")
        # shellcheck disable=SC2086 # build_env is a list of VAR=VALUE words
        env $build_env "$venv/bin/python" -m pip install -q --no-build-isolation \
            -c "$constraints" "$pin"
    done < <(python3 scripts/packages.py built-against-torch "$folder")
}

log "installing $venv"
rm -f "$stamp_file"
if [[ -n $torch_pin ]]; then
    # torch goes in first, alone, with pip: pip follows the machine's own configuration (a CPU
    # wheel index, say), whereas resolving torch again would fetch the default build and its
    # CUDA packages. pip cannot remove what is no longer declared, so the venv starts empty.
    rm -rf "$venv"
    "$UV" venv -q --seed --python 3.11 "$venv"
    "$venv/bin/python" -m pip install -q "$torch_pin"
    build_against_torch
    "$venv/bin/python" -m pip install -q -c "$constraints" "${requirements[@]}"
    "$venv/bin/python" -m pip check
else
    "$UV" venv -q --allow-existing --python 3.11 "$venv"
    # --exact removes whatever the package no longer declares, so an undeclared import fails
    # its tests.
    "$UV" pip install -q --exact --strict --python "$venv/bin/python" -c "$constraints" \
        "${requirements[@]}"
fi
printf '%s\n' "$want" >"$stamp_file"
