#!/usr/bin/env bash
# The lanes that prove vidpipe on real targets, after the moto suites (scripts/test.sh runs this):
#   LocalStack lane: LocalStack on this host (scripts/localstack.sh: S3 and SQS; DynamoDB on the
#     embedded moto server), the CLI's e2e, bad-input and fault suites against it
#     (VIDPIPE_AWS_TARGET) -> reports/junit/localstack-lane.xml
#   container lane: the chunking-, video-, media-worker and cli images built with podman
#     (scripts/containers.sh), the pipeline run with each worker in its own container against
#     the same LocalStack, and docker-compose.localstack.yml read by podman-compose
#     -> reports/junit/container-lane.xml
# Everything they need is installed first, and skipped when present. LocalStack is stopped by
# its pid on exit, also on failure or Ctrl-C.
# Usage: lanes.sh [localstack] [containers]   (default: both)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

lanes=("$@")
((${#lanes[@]})) || lanes=(localstack containers)
want() { [[ " ${lanes[*]} " == *" $1 "* ]]; }

# The version the lane's compose check was measured with.
PODMAN_COMPOSE_VERSION=1.6.0

bash scripts/setup.sh cli
bash scripts/localstack.sh install
if want containers; then
    bash scripts/containers.sh install
    [[ -x $TOOLS_VENV/bin/podman-compose ]] ||
        "$UV" pip install -q --python "$TOOLS_VENV/bin/python" "podman-compose==$PODMAN_COMPOSE_VERSION"
fi

lane_dir=$(mktemp -d "${TMPDIR:-/tmp}/vidpipe-lanes.XXXXXX")
cleanup() {
    bash scripts/localstack.sh stop "$lane_dir" || true
    rm -rf "$lane_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port for the gateway unless one is given: several checkouts may run at once.
export LOCALSTACK_PORT=${LOCALSTACK_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
endpoint=$(bash scripts/localstack.sh start "$lane_dir")
log "LocalStack at $endpoint (S3, SQS; DynamoDB on moto)"
export VIDPIPE_AWS_TARGET=$endpoint VIDPIPE_AWS_TARGET_SERVICES=s3,sqs

mkdir -p reports/junit
pytest=(.venvs/cli/bin/pytest -c pyproject.toml --rootdir . -p no:cacheprovider)
status=0
if want localstack; then
    log "LocalStack lane: e2e, bad-input and fault suites"
    # The sam2 e2e tests (minutes of model time on CPU) prove nothing more about LocalStack
    # than the other e2e tests do: the moto suites run them.
    "${pytest[@]}" packages/cli/tests/e2e packages/cli/tests/faults -m "e2e or faults" \
        --deselect packages/cli/tests/e2e/test_sam2_mode.py \
        --deselect packages/cli/tests/e2e/test_all_stages.py \
        --junitxml=reports/junit/localstack-lane.xml -o junit_suite_name=localstack-lane || status=1
fi
if want containers; then
    log "container lane: building the images (podman)"
    if bash scripts/containers.sh build; then
        PATH=$PWD/$TOOLS_VENV/bin:$PATH VIDPIPE_CONTAINER_LANE=1 "${pytest[@]}" \
            packages/cli/tests/containers -m containers \
            --junitxml=reports/junit/container-lane.xml -o junit_suite_name=container-lane || status=1
    else
        log "container lane: an image did not build"
        status=1
    fi
fi
exit "$status"
