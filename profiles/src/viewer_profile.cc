#include "keyart/profiles/viewer_profile.h"

#include <algorithm>
#include <cmath>

#include "keyart/engine/context_fields.h"

namespace keyart::profiles {

namespace {

// Beyond this many half-lives ahead of the reference the sums are rebased.
constexpr double kRebaseHalfLives = 256;

double decay_factor(int64_t ts_ms, int64_t ref_ms, const ProfileOptions& options) {
  return std::exp2(static_cast<double>(ts_ms - ref_ms) / static_cast<double>(options.half_life_ms));
}

// The strongest of (feature, value) pairs into out: at most max_actors
// actors then max_genres genres, each strongest first (ties by name).
void keep_strongest(std::vector<std::pair<const std::string*, double>> values,
                    const ProfileOptions& options, std::vector<std::pair<std::string, double>>& out) {
  std::vector<std::pair<const std::string*, double>> actors, genres;
  for (const auto& v : values) {
    if (!(v.second > 0)) continue;
    (v.first->starts_with(engine::kActorPrefix) ? actors : genres).push_back(v);
  }
  auto stronger = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : *a.first < *b.first;
  };
  out.clear();
  for (auto* list : {&actors, &genres}) {
    const size_t keep = std::min(list->size(), list == &actors ? options.max_actors : options.max_genres);
    std::partial_sort(list->begin(), list->begin() + static_cast<std::ptrdiff_t>(keep), list->end(),
                      stronger);
    for (size_t i = 0; i < keep; ++i) out.emplace_back(*(*list)[i].first, (*list)[i].second);
  }
}

}  // namespace

std::optional<Role> parse_role(std::string_view name) {
  if (name == "lead") return Role::kLead;
  if (name == "supporting") return Role::kSupporting;
  if (name == "minor") return Role::kMinor;
  return std::nullopt;
}

double viewing_weight(const Viewing& viewing, const ProfileOptions& options) {
  if (viewing.completed) return options.completion_weight;
  if (viewing.seconds && *viewing.seconds < options.short_play_seconds) {
    return options.short_play_weight;
  }
  return options.play_weight;
}

double role_weight(Role role, const ProfileOptions& options) {
  switch (role) {
    case Role::kLead: return options.lead_weight;
    case Role::kSupporting: return options.supporting_weight;
    case Role::kMinor: return options.minor_weight;
  }
  return 0;
}

bool ViewerProfile::add(const Viewing& viewing, const TitleFacts& title,
                        const ProfileOptions& options) {
  const double weight = viewing_weight(viewing, options);
  auto [it, fresh] = seen_.try_emplace(viewing.key, Seen{0, viewing.ts_ms});
  if (!fresh && it->second.weight >= weight) return false;
  ++revision_;
  // A heavier report of a known viewing adds the difference at the time
  // first recorded, so the order of arrival does not matter.
  add_weight(weight - it->second.weight, it->second.ts_ms, title, options);
  it->second.weight = weight;
  return true;
}

void ViewerProfile::rebase(int64_t ts_ms, const ProfileOptions& options) {
  top_valid_ = false;
  const double factor = decay_factor(ref_ms_, ts_ms, options);
  for (auto& [feature, sum] : sums_) sum *= factor;
  for (auto& [title, sum] : title_sums_) sum *= factor;
  total_ *= factor;
  ref_ms_ = ts_ms;
}

void ViewerProfile::add_weight(double weight, int64_t ts_ms, const TitleFacts& title,
                               const ProfileOptions& options) {
  if (!has_ref_) {
    ref_ms_ = ts_ms;
    has_ref_ = true;
    newest_ms_ = ts_ms;
  } else if (static_cast<double>(ts_ms - ref_ms_) >
             kRebaseHalfLives * static_cast<double>(options.half_life_ms)) {
    rebase(ts_ms, options);
  }
  newest_ms_ = std::max(newest_ms_, ts_ms);
  const double w = weight * decay_factor(ts_ms, ref_ms_, options);
  top_valid_ = false;
  total_ += w;
  if (options.fitted && !title.id.empty()) title_sums_[title.id] += w;
  for (const auto& [actor, role] : title.cast) {
    sums_[std::string(engine::kActorPrefix) + actor] += w * role_weight(role, options);
  }
  for (const std::string& genre : title.genres) {
    sums_[std::string(engine::kGenrePrefix) + genre] += w;
  }
}

double ViewerProfile::value_scale(int64_t now_ms, const ProfileOptions& options) const {
  // Both sums decay by the same factor from the reference to now.
  const double to_now = decay_factor(ref_ms_, now_ms, options);
  const double denominator = total_ * to_now + options.prior_weight;
  return denominator > 0 ? to_now / denominator : 0;
}

void ViewerProfile::rank_tastes(const ProfileOptions& options) const {
  std::vector<std::pair<const std::string*, double>> values;
  values.reserve(sums_.size());
  for (const auto& [feature, sum] : sums_) values.emplace_back(&feature, sum);
  keep_strongest(std::move(values), options, top_);
  top_valid_ = true;
}

double ViewerProfile::decay_to_newest(const ProfileOptions& options) const {
  return decay_factor(ref_ms_, newest_ms_, options);
}

void ViewerProfile::set_fitted(const std::vector<Affinity>& tastes, const ProfileOptions& options) {
  std::vector<std::pair<const std::string*, double>> values;
  values.reserve(tastes.size());
  for (const Affinity& a : tastes) values.emplace_back(&a.feature, a.value);
  keep_strongest(std::move(values), options, fitted_top_);
  fitted_revision_ = revision_;
}

std::vector<Affinity> ViewerProfile::affinities(int64_t now_ms,
                                                const ProfileOptions& options) const {
  std::vector<Affinity> out;
  if (seen_.empty()) return out;
  const double scale = value_scale(now_ms, options);
  out.reserve(sums_.size());
  for (const auto& [feature, sum] : sums_) {
    const double value = sum * scale;
    if (value > 0) out.push_back({feature, value});
  }
  std::sort(out.begin(), out.end(),
            [](const Affinity& a, const Affinity& b) { return a.feature < b.feature; });
  return out;
}

size_t ViewerProfile::memory_bytes() const {
  size_t bytes = sizeof(*this);
  bytes += seen_.size() * (sizeof(uint64_t) + sizeof(Seen) + 2 * sizeof(void*)) +
           seen_.bucket_count() * sizeof(void*);
  for (const auto& [feature, sum] : sums_) {
    bytes += sizeof(double) + 2 * sizeof(void*) + sizeof(std::string) +
             (feature.size() > 15 ? feature.capacity() + 1 : 0);
  }
  bytes += sums_.bucket_count() * sizeof(void*);
  for (const auto& [title, sum] : title_sums_) {
    bytes += sizeof(double) + 2 * sizeof(void*) + sizeof(std::string) +
             (title.size() > 15 ? title.capacity() + 1 : 0);
  }
  bytes += title_sums_.bucket_count() * sizeof(void*);
  for (const auto& [feature, value] : fitted_top_) {
    bytes += sizeof(fitted_top_[0]) + (feature.size() > 15 ? feature.capacity() + 1 : 0);
  }
  for (const auto& [feature, sum] : top_) {
    bytes += sizeof(top_[0]) + (feature.size() > 15 ? feature.capacity() + 1 : 0);
  }
  return bytes;
}

}  // namespace keyart::profiles
