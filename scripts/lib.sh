# Shared helpers for vidpipe's scripts; source it from a script that has cd'ed to the repo root.

# uv builds every environment and every image; pinned so that every machine resolves and installs
# alike. The Dockerfiles pin the same version (an infra test checks they agree).
UV_VERSION=0.13.8
TOOLS_VENV=.venvs/_tools
UV="$TOOLS_VENV/bin/uv"
LOCK_DIR=.venvs/.locks

# The torch projects (packages/detection-worker, packages/sam2-model, packages/torch-compat) are
# not members of the root uv workspace; each holds a requirements.txt that `scripts/lock.sh`
# compiles with uv.
TORCH_PROJECTS=(torch-compat detection-worker sam2-model)

log() { printf '[vidpipe] %s\n' "$*" >&2; }

# Create .venvs/_tools with the pinned uv. Safe when several scripts (or nx's parallel
# install targets) run it at once: the check is repeated under an exclusive lock.
ensure_tools() {
    if tools_ok; then
        return 0
    fi
    mkdir -p "$LOCK_DIR"
    (
        flock 8
        if ! tools_ok; then
            log "bootstrapping $TOOLS_VENV (uv $UV_VERSION)"
            python3 -m venv "$TOOLS_VENV"
            "$TOOLS_VENV/bin/pip" install -q "uv==$UV_VERSION"
        fi
    ) 8>"$LOCK_DIR/_tools.lock"
}

tools_ok() {
    [[ -x "$UV" ]] && [[ "$("$UV" --version 2>/dev/null)" == "uv $UV_VERSION"* ]]
}

# Where CPU builds of torch come from, as uv arguments. torch's default build on PyPI is the CUDA
# one, whose nvidia-* packages weigh gigabytes: the torch projects take the CPU build instead.
# VIDPIPE_TORCH_FIND_LINKS (a folder or page of wheels) wins; else a folder of wheels that this
# machine's pip is configured with (a build machine that keeps the CPU wheel locally); else uv's
# own switch for PyTorch's CPU index.
torch_source_args() {
    local links=${VIDPIPE_TORCH_FIND_LINKS:-${PIP_FIND_LINKS:-}}
    if [[ -z $links ]]; then
        links=$(python3 -m pip config get global.find-links 2>/dev/null || true)
    fi
    if [[ -n $links ]]; then
        printf -- '--find-links\n%s\n' "$links"
    else
        printf -- '--torch-backend\ncpu\n'
    fi
}

# The project folder of a package folder name (infra lives at the root).
project_root() {
    if [[ $1 == infra ]]; then echo infra; else echo "packages/$1"; fi
}

# Every package folder with a pyproject.toml: the workspace members, then the torch projects.
all_packages() {
    local dir name
    for dir in packages/*/ infra/; do
        name=$(basename "$dir")
        [[ -f $dir/pyproject.toml ]] || continue
        is_torch_project "$name" || echo "$name"
    done
    for name in "${TORCH_PROJECTS[@]}"; do
        [[ -f packages/$name/pyproject.toml ]] && echo "$name"
    done
    return 0
}

is_torch_project() {
    local name
    for name in "${TORCH_PROJECTS[@]}"; do
        [[ $name == "$1" ]] && return 0
    done
    return 1
}
