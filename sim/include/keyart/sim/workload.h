// The simulator's workload: JSONL impressions in the format of docs/SIM.md
// (one impression per line: user, context, user and title features,
// candidate variants with their features, the true click probability of
// each candidate and one uniform draw u; optionally what follows a click:
// the chances of a play and a completion and their draws). read_workload() streams a file
// through simdjson; generate_workload() writes such a stream from keyart's
// own synthetic world.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/engine/variant.h"

namespace keyart::sim {

// Variants prepared once, on first sight, by id. Lookups go through a flat
// open-addressing table (one cache line per probe; the first 24 bytes of the
// id are kept inline so a hit rarely touches the variant itself).
class VariantCache {
 public:
  VariantCache();
  const engine::PreparedVariant* find(std::string_view id) const;
  const engine::PreparedVariant* add(engine::PreparedVariant variant);
  size_t size() const { return variants_.size(); }

 private:
  struct Slot {
    uint64_t key = 0;
    const engine::PreparedVariant* variant = nullptr;
    uint32_t length = 0;
    char prefix[28] = {};
  };
  void insert(const engine::PreparedVariant* v);
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<engine::PreparedVariant>> variants_;
};

// One impression; the views are valid only during the callback.
struct Impression {
  int64_t t = 0;
  int64_t user = 0;
  struct Value {
    std::string_view name;
    bool is_text = false;
    double number = 0;
    std::string_view text;
  };
  std::vector<Value> context;
  std::vector<std::pair<std::string_view, double>> user_features, title_features;
  std::string_view title;
  std::vector<const engine::PreparedVariant*> candidates;
  std::vector<double> p_click;
  double u = 0;
  // What follows a click, when the workload says (docs/SIM.md, "Plays and
  // completions"): a play when u_play < p_play, then a completion when
  // u_complete < p_complete. has_plays is false for a line without them.
  bool has_plays = false;
  double p_play = 0, p_complete = 0, u_play = 0, u_complete = 0;
};

// A title's facts (a "title_facts" line, docs/SIM.md "Viewing history"):
// its cast with roles ("lead", "supporting", "minor") and its genres. The
// views are valid only during the callback.
struct TitleFactsLine {
  std::string_view title;
  std::vector<std::pair<std::string_view, std::string_view>> cast;  // actor, role
  std::vector<std::string_view> genres;
};

// A viewing (a "play" line): the viewer played the title ts_offset_ms from
// the start of the stream (negative: before it), for `seconds` when given.
struct PlayLine {
  int64_t user = 0;
  std::string_view title;
  int64_t ts_offset_ms = 0;
  std::optional<double> seconds;
  bool completed = false;
};

// What a reader hands on: every impression, and the history lines when
// there are callbacks for them (without, those lines are passed over).
struct WorkloadCallbacks {
  std::function<void(const Impression&)> impression;
  std::function<void(const TitleFactsLine&)> title_facts;
  std::function<void(const PlayLine&)> play;
};

struct ReadStats {
  uint64_t impressions = 0;
  uint64_t bytes = 0;
  double parse_seconds = 0;     // reading and parsing, callback time excluded
  double callback_seconds = 0;  // time spent in the callback
};

// Calls fn for each impression (at most `limit`, 0 = all); path "-" reads
// standard input. Throws
// std::runtime_error naming the file and line for malformed input.
ReadStats read_workload(const std::string& path, VariantCache& variants,
                        const std::function<void(const Impression&)>& fn, uint64_t limit = 0);
// The same with the history lines too (`limit` counts impressions).
ReadStats read_workload(const std::string& path, VariantCache& variants,
                        const WorkloadCallbacks& callbacks, uint64_t limit = 0);

struct GeneratorOptions {
  uint64_t n = 100000;
  uint64_t seed = 1;
  uint64_t world_seed = 0;  // 0 = seed
  int users = 50000, titles = 500, actors = 200, genres = 20;
  double base = -3.7, actor_strength = 1.0, interaction_scale = 1.0;
  bool plays = false;  // each line also carries p_play, p_complete and their draws
  // Before the stream: each title's facts and each viewer's viewing history
  // over the history_days before the start (docs/SIM.md, "Viewing history").
  bool history = false;
  int history_days = 180;
  double history_plays = 12;  // mean plays per viewer of average activity
  // When set: what the policies never see, one JSON line a title (its
  // popularity) and one a viewer (the actors and genres it likes, with
  // their affinities), for checking what keyart's profiles estimate
  // (docs/SIM.md, "Hidden tastes").
  std::ostream* truth = nullptr;
};
struct GeneratorStats {
  double random_ctr = 0, oracle_ctr = 0, mean_candidates = 0;
};
GeneratorStats generate_workload(const GeneratorOptions& options, std::ostream& out);

}  // namespace keyart::sim
