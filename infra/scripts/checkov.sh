#!/usr/bin/env bash
# Run checkov on the synthesized template (cdk.out, from `npx nx run infra:synth`).
# checkov lives in its own venv (.venvs/infra-checkov), pinned by infra/checkov-requirements.txt:
# its dependencies pin versions (boto3, networkx, ...) that conflict with the workspace's uv.lock.
# Accepted findings carry their reason in the template (vidpipe_infra.checks); any other
# finding fails this script.
# Usage: checkov.sh [TEMPLATE...]    default: cdk.out/*.template.json
#        checkov.sh --lock           re-resolve infra/checkov-requirements.txt from infra/checkov.in
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/lib.sh

ensure_tools
if [[ ${1:-} == --lock ]]; then
    "$UV" pip compile infra/checkov.in -q --universal --python-version 3.11 \
        --custom-compile-command "bash infra/scripts/checkov.sh --lock" \
        -o infra/checkov-requirements.txt
    log "wrote infra/checkov-requirements.txt"
    exit 0
fi

venv=.venvs/infra-checkov
stamp_file=$venv/.vidpipe-stamp
want=$(sha256sum infra/checkov-requirements.txt | cut -d' ' -f1)
if [[ ! -x $venv/bin/checkov || ! -f $stamp_file || "$(<"$stamp_file")" != "$want" ]]; then
    log "installing $venv"
    "$UV" venv -q --allow-existing --python 3.11 "$venv"
    "$UV" pip install -q --exact --strict --python "$venv/bin/python" -r infra/checkov-requirements.txt
    printf '%s\n' "$want" >"$stamp_file"
fi

templates=("$@")
if [[ ${#templates[@]} -eq 0 ]]; then
    shopt -s nullglob
    templates=(cdk.out/*.template.json)
fi
if [[ ${#templates[@]} -eq 0 ]]; then
    log "no template to check: run \`npx nx run infra:synth\` first"
    exit 1
fi
args=()
for template in "${templates[@]}"; do
    args+=(--file "$template")
done
# --skip-download: no platform guidelines are fetched (offline, and none are needed).
"$venv/bin/checkov" --framework cloudformation --compact --quiet --skip-download "${args[@]}"
