// A viewer's tastes learned from what they watched (docs/PROFILES.md): for
// each actor and genre of the titles they played, an affinity in [0, 1),
// the engine's user features "actor_<a>" and "genre_<g>".
//
// Each viewing has a weight: a completion 1, a play 0.5, a short play (under
// ProfileOptions::short_play_seconds) 0.1. An actor gets the viewing's
// weight times its role's (lead 1, supporting 0.6, minor 0.3), a genre the
// viewing's weight. Weights decay with the viewing's age (half-life
// ProfileOptions::half_life_ms). At time t:
//
//   affinity(f) = S_f(t) / (W(t) + prior_weight)
//
// with S_f(t) the decayed sum over viewings featuring f and W(t) the decayed
// sum of all viewing weights: the share of what the viewer watched that
// featured f, so heavy and light viewers are comparable, shrunk towards 0
// while there is little (or only old) viewing. An actor the viewer follows
// in supporting roles across titles rises above the lead of one title they
// watched once.
//
// A viewing is identified by its key (the caller's: e.g. the exposure's
// event id for a play reward, or the play's title and time): the same key
// again is not counted twice, and a heavier report of it (a completion after
// a play) replaces the lighter one. The result is the same in any order of
// arrival (up to floating-point rounding).
//
// With ProfileOptions::fitted the tastes a decision is given are instead
// those fitted to the viewer's viewing per title against the population's
// (population.h), set by whoever holds the population (set_fitted) and kept
// until the next fit. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace keyart::profiles {

enum class Role { kLead, kSupporting, kMinor };
// "lead", "supporting" or "minor".
std::optional<Role> parse_role(std::string_view name);

// What a title is about: its cast (actor id and role) and its genres; and
// its id (a fitted profile counts viewing per title; empty: not counted).
struct TitleFacts {
  std::vector<std::pair<std::string, Role>> cast;
  std::vector<std::string> genres;
  std::string id;
};

struct Viewing {
  uint64_t key = 0;                 // the viewing's identity (see above)
  int64_t ts_ms = 0;                // when it was watched
  std::optional<double> seconds;    // how long, when known
  bool completed = false;
};

struct ProfileOptions {
  int64_t half_life_ms = 90LL * 86'400'000;
  double prior_weight = 1.0;        // in units of one completion
  double short_play_seconds = 300;
  double completion_weight = 1.0, play_weight = 0.5, short_play_weight = 0.1;
  double lead_weight = 1.0, supporting_weight = 0.6, minor_weight = 0.3;
  // What a decision is given (for_each_taste): the strongest actors and
  // genres, at most this many of each.
  size_t max_actors = 16, max_genres = 8;
  // Tastes fitted against the population (population.h) instead of the
  // shares above: the fit's L1 penalty per unit of viewing, its steps and
  // step size.
  bool fitted = false;
  double fit_l1 = 0.002;
  int fit_steps = 300;
  double fit_rate = 0.5;
};

double viewing_weight(const Viewing& viewing, const ProfileOptions& options);
double role_weight(Role role, const ProfileOptions& options);

struct Affinity {
  std::string feature;  // "actor_<a>" or "genre_<g>"
  double value = 0;
};

class ViewerProfile {
 public:
  // Adds a viewing of a title with these facts. Returns false when nothing
  // changed: the key was seen with at least this weight already.
  bool add(const Viewing& viewing, const TitleFacts& title, const ProfileOptions& options);

  // The affinities at now_ms, sorted by feature name; empty without viewings
  // (the shares above: with options.fitted, the fitted tastes decide).
  std::vector<Affinity> affinities(int64_t now_ms, const ProfileOptions& options) const;

  // Calls fn(feature, value) for the strongest affinities at now_ms: at
  // most options.max_actors actors and max_genres genres, strongest first
  // (ties by name). The order is kept between additions (all values decay
  // by one factor), so a call costs one multiplication a taste.
  // With options.fitted, the fitted tastes as set last (none before the
  // first fit), which do not change with time.
  template <typename Fn>
  void for_each_taste(int64_t now_ms, const ProfileOptions& options, Fn&& fn) const {
    if (options.fitted) {
      for (const auto& [feature, value] : fitted_top_) fn(std::string_view(feature), value);
      return;
    }
    if (!has_ref_) return;
    if (!top_valid_) rank_tastes(options);
    const double scale = value_scale(now_ms, options);
    for (const auto& [feature, sum] : top_) fn(std::string_view(feature), sum * scale);
  }

  // Calls fn(title_id, weight) for each title watched (with an id), the
  // weight decayed to the newest viewing's time: what a fit reads. Kept
  // only when the viewings were added with options.fitted.
  template <typename Fn>
  void for_each_title(const ProfileOptions& options, Fn&& fn) const {
    const double scale = decay_to_newest(options);
    for (const auto& [title, sum] : title_sums_) fn(std::string_view(title), sum * scale);
  }
  // Sets the fitted tastes (Population::fit's answer for this profile);
  // the strongest max_actors actors and max_genres genres are kept, and are
  // what for_each_taste gives. Clears fit_stale().
  void set_fitted(const std::vector<Affinity>& tastes, const ProfileOptions& options);
  // A viewing was added since the last set_fitted (or there was none yet).
  bool fit_stale() const { return fitted_revision_ != revision_; }

  size_t viewings() const { return seen_.size(); }
  // Counts the changes add() made (a fit is for one revision).
  uint64_t revision() const { return revision_; }
  bool empty() const { return seen_.empty(); }
  // Heap bytes held (for the store's bound), approximately.
  size_t memory_bytes() const;

 private:
  // Sums are kept at the reference time ref_ms_: a weight w at ts counts as
  // w * 2^((ts - ref_ms_) / half-life); the reference moves forward when a
  // viewing is far newer, so the factors stay finite.
  void add_weight(double weight, int64_t ts_ms, const TitleFacts& title,
                  const ProfileOptions& options);
  void rebase(int64_t ts_ms, const ProfileOptions& options);
  // affinity = sum * value_scale(now): the decay to now over the decayed
  // total plus the prior.
  double value_scale(int64_t now_ms, const ProfileOptions& options) const;
  void rank_tastes(const ProfileOptions& options) const;
  double decay_to_newest(const ProfileOptions& options) const;

  struct Seen {
    double weight = 0;
    int64_t ts_ms = 0;
  };
  // What a decision reads comes first, together (for_each_taste).
  // for_each_taste's ranking, redone after a change: copies of the names,
  // side by side (a decision reads them in one sweep, not one scattered
  // node each).
  mutable std::vector<std::pair<std::string, double>> top_;
  double total_ = 0;
  int64_t ref_ms_ = 0;
  bool has_ref_ = false;  // there is a viewing
  mutable bool top_valid_ = false;
  std::vector<std::pair<std::string, double>> fitted_top_;
  int64_t newest_ms_ = 0;
  uint64_t revision_ = 0;
  uint64_t fitted_revision_ = ~uint64_t{0};  // the revision set_fitted was for (none yet)
  std::unordered_map<uint64_t, Seen> seen_;
  std::unordered_map<std::string, double> sums_;  // by feature name
  std::unordered_map<std::string, double> title_sums_;  // by title id (options.fitted)
};

}  // namespace keyart::profiles
