#include "keyart/profiles/population.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "keyart/engine/context_fields.h"

namespace keyart::profiles {

std::unordered_map<std::string, double> viewing_per_title(const ViewerProfile& everyone,
                                                          const ProfileOptions& options) {
  std::unordered_map<std::string, double> out;
  everyone.for_each_title(options, [&](std::string_view title, double weight) { out.emplace(title, weight); });
  return out;
}

Population::Population(const std::unordered_map<std::string, TitleFacts>& titles,
                       const std::unordered_map<std::string, double>& viewing,
                       const ProfileOptions& options) {
  // Titles and features in name order, so the arithmetic is the same
  // whatever order the maps hold them in.
  std::map<std::string, const TitleFacts*> ordered;
  for (const auto& [id, facts] : titles) ordered.emplace(id, &facts);
  std::map<std::string, uint32_t> feature_of;
  for (const auto& [id, facts] : ordered) {
    for (const auto& [actor, role] : facts->cast) feature_of.emplace(std::string(engine::kActorPrefix) + actor, 0);
    for (const std::string& genre : facts->genres) feature_of.emplace(std::string(engine::kGenrePrefix) + genre, 0);
  }
  for (auto& [name, index] : feature_of) {
    index = static_cast<uint32_t>(feature_names_.size());
    feature_names_.push_back(name);
  }
  double total = 0;
  for (const auto& [id, facts] : ordered) {
    const auto seen = viewing.find(id);
    const double weight = 1 + (seen != viewing.end() ? std::max(0.0, seen->second) : 0.0);
    title_index_.emplace(id, static_cast<uint32_t>(base_logit_.size()));
    base_logit_.push_back(weight);
    total += weight;
    entry_start_.push_back(static_cast<uint32_t>(entries_.size()));
    // An actor listed twice, or a genre twice, counts once (its heaviest role).
    std::map<uint32_t, double> x;
    for (const auto& [actor, role] : facts->cast) {
      double& w = x[feature_of.at(std::string(engine::kActorPrefix) + actor)];
      w = std::max(w, role_weight(role, options));
    }
    for (const std::string& genre : facts->genres) x[feature_of.at(std::string(engine::kGenrePrefix) + genre)] = 1;
    for (const auto& [feature, w] : x) entries_.push_back({feature, w});
  }
  entry_start_.push_back(static_cast<uint32_t>(entries_.size()));
  for (double& b : base_logit_) b = std::log(b / total);
}

std::vector<Affinity> Population::fit(const ViewerProfile& viewer,
                                      const ProfileOptions& options) const {
  return fit(viewing_of(viewer, options), options);
}

Population::TitleWeights Population::viewing_of(const ViewerProfile& viewer,
                                                const ProfileOptions& options) const {
  TitleWeights out;
  viewer.for_each_title(options, [&](std::string_view title, double weight) {
    const auto it = title_index_.find(std::string(title));
    if (it != title_index_.end() && weight > 0) out.emplace_back(it->second, weight);
  });
  return out;
}

std::vector<Affinity> Population::fit(const TitleWeights& viewing, const ProfileOptions& options) const {
  const size_t n_titles = base_logit_.size();
  std::vector<double> target(n_titles, 0.0);  // the viewer's viewing, then plus the prior
  double n = 0;
  for (const auto& [t, weight] : viewing) {
    if (t < n_titles) target[t] += weight;
  }
  for (double w : target) n += w;  // in title order, whatever order the profile keeps
  if (!(n > 0)) return {};
  const double m = std::max(0.0, options.prior_weight);
  for (size_t t = 0; t < n_titles; ++t) target[t] = (target[t] + m * std::exp(base_logit_[t])) / (n + m);

  // The gradient of the mean log-likelihood per unit of viewing is
  // sum_t (target(t) - p(t)) x(t); its target part does not change.
  std::vector<double> observed(feature_names_.size(), 0.0);
  for (size_t t = 0; t < n_titles; ++t) {
    for (uint32_t e = entry_start_[t]; e < entry_start_[t + 1]; ++e) {
      observed[entries_[e].feature] += target[t] * entries_[e].weight;
    }
  }
  // A feature whose observed part is at most the penalty never turns
  // positive (its gradient, observed - expected - penalty, is never above
  // zero), so the steps leave it out: the same iterates, bit for bit, for
  // the work of the titles' other features only.
  std::vector<uint32_t> candidates;  // by compact index: the feature's index
  std::vector<int32_t> compact(feature_names_.size(), -1);
  for (size_t f = 0; f < observed.size(); ++f) {
    if (observed[f] > options.fit_l1) {
      compact[f] = static_cast<int32_t>(candidates.size());
      candidates.push_back(static_cast<uint32_t>(f));
    }
  }
  if (candidates.empty()) return {};
  std::vector<uint32_t> start(n_titles + 1);  // title t's candidate entries, in their order
  std::vector<Entry> entries;
  for (size_t t = 0; t < n_titles; ++t) {
    start[t] = static_cast<uint32_t>(entries.size());
    for (uint32_t e = entry_start_[t]; e < entry_start_[t + 1]; ++e) {
      const int32_t c = compact[entries_[e].feature];
      if (c >= 0) entries.push_back({static_cast<uint32_t>(c), entries_[e].weight});
    }
  }
  start[n_titles] = static_cast<uint32_t>(entries.size());

  std::vector<double> tastes(candidates.size(), 0.0), expected(candidates.size());
  std::vector<double> p(n_titles);
  for (int step = 0; step < options.fit_steps; ++step) {
    double top = -INFINITY;
    for (size_t t = 0; t < n_titles; ++t) {
      double z = base_logit_[t];
      for (uint32_t e = start[t]; e < start[t + 1]; ++e) z += tastes[entries[e].feature] * entries[e].weight;
      p[t] = z;
      top = std::max(top, z);
    }
    double sum = 0;
    for (double& z : p) sum += (z = std::exp(z - top));
    std::fill(expected.begin(), expected.end(), 0.0);
    for (size_t t = 0; t < n_titles; ++t) {
      const double pt = p[t] / sum;
      for (uint32_t e = start[t]; e < start[t + 1]; ++e) expected[entries[e].feature] += pt * entries[e].weight;
    }
    for (size_t c = 0; c < tastes.size(); ++c) {
      const double gradient = observed[candidates[c]] - expected[c] - options.fit_l1;
      tastes[c] = std::max(0.0, tastes[c] + options.fit_rate * gradient);
    }
  }
  std::vector<Affinity> out;
  for (size_t c = 0; c < tastes.size(); ++c) {
    if (tastes[c] > 0) out.push_back({feature_names_[candidates[c]], tastes[c]});
  }
  return out;  // feature_names_ is in name order
}

}  // namespace keyart::profiles
