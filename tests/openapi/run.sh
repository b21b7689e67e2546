#!/usr/bin/env bash
# OpenApi.SpecMatchesTheServer: docs/openapi.yaml against a running keyart
# serve. Builds a small ledger (two titles with sample posters, a running
# experiment and a draft one), starts the server on 127.0.0.1 with an admin
# token, and runs check_openapi.cjs, which validates the file with
# @apidevtools/swagger-parser, compares its routes with `keyart serve
# --routes`, and sends recorded requests (successes and errors) whose
# answers must be valid against the schema of their status (ajv, JSON Schema
# 2020-12). The npm packages come from scripts/setup.sh (a cache outside the
# repository: $KEYART_NODE_CACHE, else ~/.cache/keyart-node).
#   tests/openapi/run.sh KEYART_BINARY
set -euo pipefail
keyart="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/node_test.sh
source "$root/scripts/lib/node_test.sh"
node_test_setup openapi @apidevtools/swagger-parser ajv

export KEYART_DB="$work/keyart.db"
art="$root/tests/data/artwork"
"$keyart" init >/dev/null
for t in t1 t2; do
  "$keyart" title add "$t" --name "Title $t" --genre drama >/dev/null
  "$keyart" variant upload --title "$t" "$art/posters/p01_two_leads.jpg" "$art/posters/p02_ensemble3.jpg" >/dev/null
done
"$keyart" experiment create e1 --name "running" --title t1 \
  --arm control=fixed:t1-v1@0.5 --arm bandit=linucb@0.5 --start >/dev/null
"$keyart" experiment create e2 --name "draft" --title t2 \
  --arm control=fixed:t2-v1@0.5 --arm bandit=uniform@0.5 >/dev/null
token="openapi-admin-token-0123456789"
printf '%s\n' "$token" > "$work/token"

# shellcheck source=../../scripts/lib/serve.sh
source "$root/scripts/lib/serve.sh"
start_keyart_serve "$keyart" "$work/serve.log" --admin-token-file "$work/token" --max-body 8192 \
  --model-from self --personalizer-title app --profiles >/dev/null || exit 1
pid=$serve_pid port=$serve_port

"$keyart" serve --routes > "$work/routes"
KEYART_NODE_CACHE="$node_cache" node "$root/tests/openapi/check_openapi.cjs" \
  "$root/docs/openapi.yaml" "http://127.0.0.1:$port" "$token" "$work/routes"
