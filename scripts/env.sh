#!/usr/bin/env bash
# Create or refresh .venvs/<folder> for one package: exactly its locked dependencies with its
# `test` extra, the package and the vidpipe packages it uses installed editable, nothing else (an
# undeclared import fails its tests). uv decides what is out of date, so a second run is a no-op
# that takes milliseconds.
#   workspace members: `uv sync --frozen --package vidpipe-<folder> --extra test` from uv.lock
#   torch projects:    `uv pip install --exact` of the package's requirements-test.txt (lock.sh)
# Usage: env.sh <package-folder>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

folder=${1:?usage: env.sh <package-folder>}
root=$(project_root "$folder")
venv=.venvs/$folder
if [[ ! -f $root/pyproject.toml ]]; then
    log "$root/pyproject.toml is missing"
    exit 1
fi
ensure_tools

if ! is_torch_project "$folder"; then
    UV_PROJECT_ENVIRONMENT=$venv exec "$UV" sync -q --frozen --python 3.11 \
        --package "vidpipe-$folder" --extra test
fi

# A torch project: torch's CPU build, then the compiled requirements, from the package folder
# (the file's `-e ../<member>` lines are relative to it).
mapfile -t torch_source < <(torch_source_args)
mkdir -p "$LOCK_DIR"
exec 9>"$LOCK_DIR/$folder.lock"
flock 9
"$UV" venv -q --allow-existing --python 3.11 "$venv"
python=$PWD/$venv/bin/python
requirements=$root/requirements-test.txt

# Source-only distributions built against the torch of this environment (the project lists them
# under [tool.uv] no-build-isolation-package: sam2, whose isolated build would fetch torch's CUDA
# build): their build needs torch and setuptools in place first.
no_isolation=$(python3 -c 'import sys, tomllib; print(" ".join(tomllib.load(open(sys.argv[1], "rb")).get("tool", {}).get("uv", {}).get("no-build-isolation-package", [])))' "$root/pyproject.toml")
if [[ -n $no_isolation ]] && ! "$UV" pip show -q --python "$python" $no_isolation >/dev/null 2>&1; then
    build_pins=$(grep -E '^(torch|torchvision|setuptools|wheel)==' "$requirements" || true)
    # shellcheck disable=SC2086 # one pin a word
    "$UV" pip install -q --python "$python" "${torch_source[@]}" $build_pins setuptools wheel
fi
"$UV" --directory "$root" pip install -q --exact --strict --python "$python" \
    "${torch_source[@]}" -r requirements-test.txt -e '.[test]'
