# Sourced by the load scripts (scripts/load_http.sh, scripts/load_cluster.sh).
# load_catalogue KEYART WORK fills the ledger in $KEYART_DB (and $KEYART_FILES)
# with what the load runs decide on: the title "night" with its cast and 8
# artwork variants (the sample posters and title cards, uploaded through the
# real pipeline; copied to WORK/art) and a running experiment, a fixed
# control against hybrid LinUCB.
# load_page_titles KEYART WORK N adds titles page-1 .. page-N (the page
# load), three poster variants each (the same images in every title),
# under the default policy (uniform).
load_catalogue() {
  local keyart="$1" work="$2"
  local art
  art="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/data/artwork"
  "$keyart" init >/dev/null
  "$keyart" title add night --name "The Long Night" --genre thriller >/dev/null
  local actor
  for actor in frl_004 frl_025 frl_030 frl_042; do
    "$keyart" cast add --title night --actor "$actor" "$art/people/$actor/01.jpg" >/dev/null
  done
  "$keyart" cast add --title night --actor lisa "$art/people/lisa/01.jpg" >/dev/null
  mkdir -p "$work/art"
  cp "$art"/posters/p0[1-6]*.jpg "$art/negatives/n07_title_card_text_only.jpg" \
     "$art/negatives/n08_flat_dark.jpg" "$work/art/"
  "$keyart" variant upload --title night "$work/art" >/dev/null
  "$keyart" experiment create load --name "load test" --title night \
    --arm control=fixed:night-v3@0.5 --arm bandit=hybrid-linucb@0.5 --start >/dev/null
}

load_page_titles() {
  local keyart="$1" work="$2" n="$3" i
  local art
  art="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/data/artwork"
  mkdir -p "$work/page-art"
  cp "$art"/posters/p0[7-9]*.jpg "$work/page-art/"
  for ((i = 1; i <= n; i++)); do
    "$keyart" title add "page-$i" --name "Page title $i" --genre drama >/dev/null
    "$keyart" variant upload --title "page-$i" "$work/page-art" >/dev/null
  done
}
