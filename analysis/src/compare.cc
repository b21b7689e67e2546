#include "compare.h"

#include "keyart/analysis/stats/multiple_testing.h"

namespace keyart::analysis {

RateModel rate_model(const stats::UnitMoments& m, Analysis analysis, bool binary_metric,
                     stats::VarianceDivisor divisor) {
  RateModel model;
  switch (analysis) {
    case Analysis::kExposure:
      model.estimate = stats::exposure_rate(m, divisor);
      if (binary_metric) {
        model.has_counts = model.exact_counts = true;
        model.successes = m.rewards;
        model.trials = m.exposures;
      }
      break;
    case Analysis::kUnitShare:
      model.estimate = stats::unit_share(m);
      model.has_counts = model.exact_counts = true;
      model.successes = m.units_with_reward;
      model.trials = m.units;
      break;
    case Analysis::kPerUnit:
      model.estimate = stats::rewards_per_unit(m, divisor);
      break;
    case Analysis::kClustered: {
      model.estimate = stats::clustered_rate(m, divisor);
      if (binary_metric && m.exposures > 0) {
        // No measurable clustering (e.g. no rewards yet): take deff = 1.
        double deff = stats::design_effect(m, divisor);
        if (!(deff > 0)) deff = 1;
        model.has_counts = true;
        model.trials = m.exposures / deff;
        model.successes = model.estimate.mean * model.trials;
      }
      break;
    }
  }
  return model;
}

stats::Interval rate_interval(const RateModel& model, double confidence) {
  if (model.has_counts) return stats::wilson_interval(model.successes, model.trials, confidence);
  return stats::normal_interval(model.estimate, confidence);
}

std::optional<stats::Posterior> posterior(const RateModel& model) {
  if (model.has_counts && model.trials > 0) {
    return stats::Posterior::from_counts(model.successes, model.trials);
  }
  if (model.estimate.defined() && model.estimate.variance > 0) {
    return stats::Posterior::normal(model.estimate.mean, model.estimate.se());
  }
  return std::nullopt;
}

stats::ZTest compare_rates(const RateModel& control, const RateModel& treatment) {
  if (control.exact_counts && treatment.exact_counts) {
    return stats::two_proportion_z_test(control.successes, control.trials, treatment.successes,
                                        treatment.trials);
  }
  return stats::mean_difference_z_test(control.estimate, treatment.estimate);
}

std::vector<ArmResult> compare_arms(std::span<const std::string> arm_ids, size_t control,
                                    std::span<const stats::UnitMoments> moments,
                                    Analysis analysis, bool binary_metric, double confidence,
                                    stats::VarianceDivisor divisor) {
  const size_t k = arm_ids.size();
  std::vector<ArmResult> out(k);
  std::vector<RateModel> models(k);
  for (size_t i = 0; i < k; ++i) {
    const stats::UnitMoments& m = moments[i];
    ArmResult& a = out[i];
    a.arm_id = arm_ids[i];
    a.is_control = i == control;
    a.exposures = static_cast<int64_t>(m.exposures);
    a.units = static_cast<int64_t>(m.units);
    a.units_with_reward = static_cast<int64_t>(m.units_with_reward);
    a.rewards = m.rewards;
    a.design_effect = stats::design_effect(m, divisor);
    models[i] = rate_model(m, analysis, binary_metric, divisor);
    a.rate = models[i].estimate;
    a.rate_interval = rate_interval(models[i], confidence);
  }

  // Bayesian figures over the arms that have data.
  std::vector<stats::Posterior> posteriors;
  std::vector<size_t> with_posterior;
  for (size_t i = 0; i < k; ++i) {
    if (moments[i].exposures <= 0) continue;
    if (auto p = posterior(models[i])) {
      posteriors.push_back(*p);
      with_posterior.push_back(i);
    }
  }
  if (posteriors.size() >= 2) {
    std::vector<double> best = stats::chance_to_be_best(posteriors);
    std::vector<double> loss = stats::expected_loss(posteriors);
    for (size_t j = 0; j < with_posterior.size(); ++j) {
      out[with_posterior[j]].chance_to_be_best = best[j];
      out[with_posterior[j]].expected_loss = loss[j];
    }
  }
  const auto control_posterior = moments[control].exposures > 0 ? posterior(models[control])
                                                                 : std::nullopt;

  std::vector<double> p_values;
  std::vector<size_t> treatments;
  for (size_t i = 0; i < k; ++i) {
    if (i == control) continue;
    ArmResult& a = out[i];
    a.lift = stats::relative_lift(models[i].estimate, models[control].estimate, confidence);
    a.test = compare_rates(models[control], models[i]);
    if (control_posterior && moments[i].exposures > 0) {
      if (auto p = posterior(models[i])) {
        a.chance_to_beat_control = stats::chance_to_beat(*p, *control_posterior);
      }
    }
    p_values.push_back(a.test.p_value);
    treatments.push_back(i);
  }
  std::vector<double> holm = stats::holm_adjust(p_values);
  for (size_t j = 0; j < treatments.size(); ++j) out[treatments[j]].p_holm = holm[j];
  return out;
}

}  // namespace keyart::analysis
