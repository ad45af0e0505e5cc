#!/usr/bin/env bash
# Re-lock every Python dependency: uv.lock for the workspace members, and requirements.txt for
# each torch project (not a workspace member: see the root pyproject.toml). Run it after changing
# a dependency in any pyproject.toml; `scripts/env.sh` (every nx `install`) then brings each
# environment in line. Arguments go to both uv commands, e.g. `--upgrade` or
# `--upgrade-package moto`; by default every existing pin is kept. `--check` changes nothing and
# fails when a lock is out of date (scripts/test.sh runs it).
#
# What uv cannot do here, and why a torch project has a requirements.txt instead of a uv.lock:
# uv.lock records where every file comes from, and torch's CPU build does not come from PyPI
# (PyPI's torch is the CUDA build) but from PyPI's CPU index or a folder of wheels a build
# machine keeps; a lock made on one machine would name that source for every other. The
# compiled requirements.txt pins versions only; `torch_source_args` (lib.sh) picks the source on
# each machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

ensure_tools
mkdir -p "$LOCK_DIR"
check=false
if [[ ${1:-} == --check ]]; then
    check=true
    shift
    "$UV" lock -q --check "$@"
else
    "$UV" lock "$@"
    log "wrote uv.lock"
fi

mapfile -t torch_source < <(torch_source_args)

# compile <folder> <output> [uv pip compile args...]: one requirements file of a torch project.
compile() {
    local folder=$1 output=$2 root=packages/$1
    shift 2
    # The current pins (not the editable members) constrain the new resolution: pins are kept.
    local keep=()
    if [[ -f $root/$output ]]; then
        grep -E '^[A-Za-z0-9]' "$root/$output" >"$LOCK_DIR/$folder-$output.pins" || true
        keep=(-c "$PWD/$LOCK_DIR/$folder-$output.pins")
    fi
    "$UV" --directory "$root" pip compile -q pyproject.toml \
        --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
        "${torch_source[@]}" "${keep[@]}" --no-annotate \
        --custom-compile-command "bash scripts/lock.sh" -o "$output.new" "$@" "${lock_args[@]}"
    # Members reached through another member come out as absolute paths: keep the file portable.
    sed -i -e "s#^-e file://$PWD/packages/#-e ../#" "$root/$output.new"
    if grep -nE '^-e (file:|/)' "$root/$output.new"; then
        log "$root/$output.new names a path outside the repository"
        exit 1
    fi
    if $check; then
        if ! diff -u "$root/$output" "$root/$output.new"; then
            rm -f "$root/$output.new"
            log "$root/$output is out of date: run bash scripts/lock.sh"
            exit 1
        fi
        rm -f "$root/$output.new"
    else
        mv "$root/$output.new" "$root/$output"
        log "wrote $root/$output"
    fi
}

lock_args=("$@")
for folder in "${TORCH_PROJECTS[@]}"; do
    [[ -f packages/$folder/pyproject.toml ]] || continue
    # What the image installs, then the test environment: the same pins plus the `test` extra.
    compile "$folder" requirements.txt
    grep -E '^[A-Za-z0-9]' "packages/$folder/requirements.txt" >"$LOCK_DIR/$folder-runtime.pins"
    compile "$folder" requirements-test.txt --extra test -c "$PWD/$LOCK_DIR/$folder-runtime.pins"
done
