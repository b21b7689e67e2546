#!/usr/bin/env bash
# Personalizer.OfficialClientAgainstKeyartServe: Microsoft's JavaScript
# Personalizer client (from npm, installed by scripts/setup.sh into
# $KEYART_NODE_CACHE, else ~/.cache/keyart-node) against keyart serve on
# 127.0.0.1 with --personalizer-title and an API key. client.cjs ranks,
# rewards and activates, checks each answer and writes what the ledger must
# hold; after a clean stop, the ledger's exposures (event id, variant) and
# reward rows (event id, kind, value) must be exactly those, and the
# actions must be the title's external variants with their features.
#   tests/personalizer/run.sh KEYART_BINARY
set -euo pipefail
keyart="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/node_test.sh
source "$root/scripts/lib/node_test.sh"
node_test_setup personalizer @azure/cognitiveservices-personalizer @azure/ms-rest-js

export KEYART_DB="$work/keyart.db"
"$keyart" init >/dev/null
key="personalizer-test-key-0123456789"
printf '%s\n' "$key" > "$work/keys"

# shellcheck source=../../scripts/lib/serve.sh
source "$root/scripts/lib/serve.sh"
start_keyart_serve "$keyart" "$work/serve.log" --api-key-file "$work/keys" \
  --personalizer-title food --model-from self >/dev/null || exit 1
pid=$serve_pid port=$serve_port

KEYART_NODE_CACHE="$node_cache" node "$root/tests/personalizer/client.cjs" \
  "http://127.0.0.1:$port" "$key" "$work/want_exposures" "$work/want_rewards" food

kill -TERM "$pid"
wait "$pid" || { echo "personalizer: keyart serve did not stop cleanly" >&2; cat "$work/serve.log" >&2; exit 1; }
pid=""

sqlite3 -batch "$KEYART_DB" \
  "SELECT lower(hex(event_id)) || '|' || variant_id FROM exposures ORDER BY 1" > "$work/got_exposures"
sqlite3 -batch "$KEYART_DB" \
  "SELECT lower(hex(event_id)) || '|' || kind || '|' || printf('%g', value) FROM rewards ORDER BY 1" \
  | sort > "$work/got_rewards"
status=0
if ! diff -u "$work/want_exposures" "$work/got_exposures"; then
  echo "personalizer: the ledger's exposures differ from what the client was told" >&2
  status=1
fi
if ! diff -u "$work/want_rewards" "$work/got_rewards"; then
  echo "personalizer: the ledger's rewards differ from what the client sent" >&2
  status=1
fi
variants=$(sqlite3 -batch "$KEYART_DB" \
  "SELECT group_concat(variant_id || ':' || kind, ' ') FROM (SELECT variant_id, kind FROM variants WHERE title_id = 'food' ORDER BY variant_id)")
want="food-ice_cream:external food-juice:external food-pasta:external food-salad:external"
if [[ "$variants" != "$want" ]]; then
  echo "personalizer: variants are '$variants', expected '$want'" >&2
  status=1
fi
features=$(sqlite3 -batch "$KEYART_DB" \
  "SELECT features FROM variant_features WHERE variant_id = 'food-pasta'")
for f in '"nutrition_carbs":60' '"taste":"savory"'; do
  if [[ "$features" != *"$f"* ]]; then
    echo "personalizer: food-pasta's features $features lack $f" >&2
    status=1
  fi
done
exit $status
