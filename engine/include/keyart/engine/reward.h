// The reward definition: which reward kinds a decision can receive and how
// they combine into the one number the policy learns from. Each kind counts
// at most once per decision; the combined reward is sum(weight[kind] *
// value) over the kinds received (0 when none arrived: the default reward).
// Default: click=1, play=2, completion=3. At most 32 kinds.
//
// Kinds starting with '_' are keyart's own marks, never rewards, and no
// definition may name one: kDeferredMark says a decision waits for its
// activation (it is learned, and counted in reports, only once
// kActivatedMark follows it). Both travel with the rewards (the same ledger
// table, the same writer and the same reward() call), so every reader of
// the rewards sees them in order.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyart::engine {

inline constexpr std::string_view kDeferredMark = "_deferred";
inline constexpr std::string_view kActivatedMark = "_activated";
inline bool is_mark_kind(std::string_view kind) { return !kind.empty() && kind[0] == '_'; }
// A reward kind as the ledger stores one: [a-z0-9_]{1,32}.
inline bool is_reward_kind_name(std::string_view kind) {
  return !kind.empty() && kind.size() <= 32 &&
         kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos;
}

class RewardDefinition {
 public:
  RewardDefinition();  // click=1,play=2,completion=3
  // "click=1,play=2"; throws std::invalid_argument with a one-line reason.
  static RewardDefinition parse(std::string_view text);

  // -1 for a kind that is not defined.
  int index(std::string_view kind) const;
  double weight(int index) const { return kinds_[index].second; }
  const std::string& kind(int index) const { return kinds_[index].first; }
  int size() const { return static_cast<int>(kinds_.size()); }
  std::string to_string() const;

 private:
  std::vector<std::pair<std::string, double>> kinds_;
};

}  // namespace keyart::engine
