#!/usr/bin/env bash
# LocalStack on this host, without Docker: its own Python 3.13 environment (.venvs/localstack),
# services S3 and SQS, the gateway on loopback. DynamoDB is not LocalStack's here (its DynamoDB
# runs DynamoDB Local, whose licence is not open source): the suites keep it on the embedded
# moto server through AWS_ENDPOINT_URL_DYNAMODB.
# Usage: localstack.sh install         create .venvs/localstack (skipped when already in place)
#        localstack.sh start DIR       start it in the background; state, pid and log under DIR;
#                                      prints the endpoint once the gateway answers
#        localstack.sh stop DIR        SIGTERM the process started by `start DIR` (by its pid)
# LOCALSTACK_PORT (default 4566) chooses the gateway port.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

# Pinned together: newer cbor2/pyopenssl/cryptography break this LocalStack release.
LOCALSTACK_REQUIREMENTS=(
    'localstack-core[runtime]==2026.3.0' 'cbor2<6' 'pyopenssl<25' 'cryptography<45' service-identity
)
LOCALSTACK_VENV=.venvs/localstack
PORT=${LOCALSTACK_PORT:-4566}

find_python313() {
    local candidate
    for candidate in "$HOME"/.pyenv/versions/3.13.*/bin/python3.13 "$(command -v python3.13 || true)"; do
        if [[ -n $candidate && -x $candidate ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

installed() {
    [[ -x $LOCALSTACK_VENV/bin/python ]] && [[ -f $LOCALSTACK_VENV/.vidpipe-requirements ]] &&
        [[ "$(cat "$LOCALSTACK_VENV/.vidpipe-requirements")" == "${LOCALSTACK_REQUIREMENTS[*]}" ]]
}

install() {
    installed && return 0
    local python
    if ! python=$(find_python313); then
        log "LocalStack needs Python 3.13: none found (pyenv's ~/.pyenv/versions/3.13.*, or python3.13 on PATH)."
        log "Install it (e.g. \`pyenv install 3.13\`) and run this again."
        exit 1
    fi
    ensure_tools
    log "creating $LOCALSTACK_VENV with $python (LocalStack, about a minute and a half)"
    "$UV" venv -q --allow-existing --python "$python" "$LOCALSTACK_VENV"
    "$UV" pip install -q --python "$LOCALSTACK_VENV/bin/python" "${LOCALSTACK_REQUIREMENTS[@]}"
    echo "${LOCALSTACK_REQUIREMENTS[*]}" >"$LOCALSTACK_VENV/.vidpipe-requirements"
}

start() {
    local dir=${1:?usage: localstack.sh start DIR}
    install
    mkdir -p "$dir/state"
    dir=$(cd "$dir" && pwd)
    if [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        log "LocalStack already runs (pid $(cat "$dir/pid"))"
        echo "http://127.0.0.1:$PORT"
        return 0
    fi
    env GATEWAY_LISTEN="127.0.0.1:$PORT" GATEWAY_SERVER=hypercorn OVERRIDE_IN_DOCKER=0 \
        SERVICES=s3,sqs DNS_ADDRESS=0 DISABLE_EVENTS=1 LOCALSTACK_TELEMETRY=0 \
        FILESYSTEM_ROOT="$dir/state" SQS_ENDPOINT_STRATEGY=path LOCALSTACK_HOST="localhost:$PORT" \
        S3_SKIP_SIGNATURE_VALIDATION=0 \
        "$LOCALSTACK_VENV/bin/python" -m localstack.runtime.main >"$dir/localstack.log" 2>&1 &
    echo $! >"$dir/pid"
    local waited=0
    until curl -fsS "http://127.0.0.1:$PORT/_localstack/health" >/dev/null 2>&1; do
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            log "LocalStack exited while starting; its log:"
            tail -n 30 "$dir/localstack.log" >&2
            exit 1
        fi
        if ((waited >= 600)); then
            log "LocalStack did not answer on 127.0.0.1:$PORT within 60 s; its log:"
            tail -n 30 "$dir/localstack.log" >&2
            stop "$dir"
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "http://127.0.0.1:$PORT"
}

stop() {
    local dir=${1:?usage: localstack.sh stop DIR} pid
    [[ -f $dir/pid ]] || return 0
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$dir/pid"
}

command=${1:?usage: localstack.sh install|start DIR|stop DIR}
shift
case $command in
install) install ;;
start) start "$@" ;;
stop) stop "$@" ;;
*)
    log "unknown command $command (install, start DIR, stop DIR)"
    exit 2
    ;;
esac
