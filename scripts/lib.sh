# Shared helpers for vidpipe's scripts; source it from a script that has cd'ed to the repo root.

# uv builds every package venv; pinned so that every machine resolves and installs alike.
UV_VERSION=0.13.8
TOOLS_VENV=.venvs/_tools
UV="$TOOLS_VENV/bin/uv"
LOCK_DIR=.venvs/.locks

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
