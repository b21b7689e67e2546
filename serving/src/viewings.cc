#include "keyart/serving/viewings.h"

#include "keyart/engine/feature_key.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/plays.h"
#include "keyart/profiles/population.h"

namespace keyart::serving {

profiles::Viewing viewing_of(const ledger::Play& play) {
  return {.key = engine::feature_key(play.play_key), .ts_ms = play.ts, .seconds = play.seconds,
          .completed = play.completed};
}

MeasuredViewing measure_title_viewing(ledger::Ledger& ledger, const profiles::ProfileOptions& options,
                                      int64_t now_ms) {
  // Everyone as one profile: its per-title sums are the profiles' own rule
  // (a key counted once at its heaviest, the same weights and decay); a
  // profile keeps them when fitted.
  profiles::ProfileOptions per_title = options;
  per_title.fitted = true;
  std::unordered_map<std::string, profiles::TitleFacts> titles;
  MeasuredViewing out;
  for (const ledger::Title& t : ledger::list_titles(ledger)) {
    titles[t.title_id].id = t.title_id;
    out.viewing.weight[t.title_id] = 0;
  }
  profiles::ViewerProfile everyone;
  out.plays = static_cast<int64_t>(ledger::for_each_play(ledger, 0, [&](const ledger::StoredPlay& play) {
    auto title = titles.find(play.title_id);
    if (title != titles.end()) everyone.add(viewing_of(play), title->second, per_title);
  }));
  for (auto& [title, weight] : profiles::viewing_per_title(everyone, per_title)) {
    out.viewing.weight[title] = weight;
  }
  out.viewing.computed_at = now_ms;
  return out;
}

MeasuredViewing store_measured_title_viewing(ledger::Ledger& ledger,
                                             const profiles::ProfileOptions& options, int64_t now_ms) {
  MeasuredViewing measured = measure_title_viewing(ledger, options, now_ms);
  ledger::store_title_viewing(ledger, measured.viewing);
  return measured;
}

}  // namespace keyart::serving
