// What everyone watches, and a viewer's tastes fitted against it
// (docs/PROFILES.md, "Fitted tastes").
//
// The model: a viewer picks title t with probability proportional to
//
//   share(t) * exp(tastes . x(t))
//
// where share(t) is the title's part of the population's viewing (each
// title's viewing weight plus one, over the sum) and x(t) the title's
// features: each actor of its cast with its role's weight
// (ProfileOptions::lead_weight ...), each genre 1. A viewer's tastes are
// fitted to their own viewing (each title's decayed, weighted viewing,
// ViewerProfile::for_each_title) by maximising the log-likelihood per unit
// of viewing minus fit_l1 times the sum of the tastes, with every taste >= 0,
// by fit_steps of projected gradient ascent (step fit_rate) from zero.
// prior_weight units of viewing spread as the population's are added to the
// viewer's, so little viewing gives small tastes.
//
// Unlike a share of viewing, the fit explains a title away once: the
// co-stars of the actor a viewer follows, and the genres everyone watches,
// get little or nothing. The result depends only on the viewer's viewing and
// on this population (the same viewing per title gives the same tastes, bit
// for bit; viewings added in another order, the same up to rounding), and
// not on how old the viewing is (it is weighed at the newest viewing's
// time, and every weight decays by the same factor). Immutable once built;
// fit() may be called from any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keyart/profiles/viewer_profile.h"

namespace keyart::profiles {

// Each title's viewing held by a profile of everyone's viewings (added
// with options.fitted, so it keeps them per title): a population's viewing.
std::unordered_map<std::string, double> viewing_per_title(const ViewerProfile& everyone,
                                                          const ProfileOptions& options);

class Population {
 public:
  // titles: every title's facts; viewing: each title's viewing weight over
  // all viewers (a title missing from it has none).
  Population(const std::unordered_map<std::string, TitleFacts>& titles,
             const std::unordered_map<std::string, double>& viewing, const ProfileOptions& options);

  // The viewer's fitted tastes with a value above zero, sorted by feature
  // name. Titles this population does not know are left out; no viewing
  // gives none.
  std::vector<Affinity> fit(const ViewerProfile& viewer, const ProfileOptions& options) const;

  // The same in two steps, so the fit can run without the profile: the
  // viewer's viewing of each title this population knows (by its index),
  // then the fit of that.
  using TitleWeights = std::vector<std::pair<uint32_t, double>>;
  TitleWeights viewing_of(const ViewerProfile& viewer, const ProfileOptions& options) const;
  std::vector<Affinity> fit(const TitleWeights& viewing, const ProfileOptions& options) const;

 private:
  struct Entry {
    uint32_t feature;
    double weight;
  };
  std::unordered_map<std::string, uint32_t> title_index_;
  std::vector<double> base_logit_;     // log share(t), by title index
  std::vector<uint32_t> entry_start_;  // title t's features: entries_[start[t], start[t+1])
  std::vector<Entry> entries_;
  std::vector<std::string> feature_names_;  // "actor_<a>" / "genre_<g>", by feature index
};

}  // namespace keyart::profiles
