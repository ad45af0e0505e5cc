#!/usr/bin/env bash
# Run the vidpipe demo on the embedded local AWS (moto server); arguments go to `vidpipe demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh cli
exec .venvs/cli/bin/vidpipe demo "$@"
