// Plain value types shared by the statistics functions, and the normal
// distribution helpers they build on (Boost.Math underneath). A quantity that
// the data cannot define (a rate with no exposures, a lift against a control
// with no rewards) is NaN here; callers test with defined() / std::isfinite
// and print "n/a", never the NaN itself.
#pragma once

#include <cmath>
#include <limits>

namespace keyart::analysis::stats {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline bool defined(double x) { return std::isfinite(x); }

// A two-sided confidence interval [lo, hi]; both NaN when undefined.
struct Interval {
  double lo = kNaN;
  double hi = kNaN;
  bool defined() const { return stats::defined(lo) && stats::defined(hi); }
};

// An estimated mean together with the variance of that estimate (the
// squared standard error), e.g. a click rate and p(1-p)/n.
struct MeanEstimate {
  double mean = kNaN;
  double variance = kNaN;
  double se() const { return variance >= 0 ? std::sqrt(variance) : kNaN; }
  bool defined() const { return stats::defined(mean) && stats::defined(variance) && variance >= 0; }
};

// The divisor of a variance estimated from n values: n - 1 (the unbiased
// sample variance, keyart's default) or n (the population form; for 0/1
// values it gives p(1-p), as GrowthBook and textbooks write the variance of
// a rate). docs/REPORTS.md has both formulas.
enum class VarianceDivisor { kSample, kPopulation };

// The sample mean of n values from their sum and sum of squares, with the
// variance of that mean s^2/n (s^2 with the divisor asked for). Undefined
// for n <= 0; with kSample the variance is NaN for n < 2.
MeanEstimate mean_from_sums(double n, double sum, double sum_squares,
                            VarianceDivisor divisor = VarianceDivisor::kSample);

// Standard normal cumulative distribution function Phi(z).
double normal_cdf(double z);
// Phi^{-1}(p) for 0 < p < 1.
double normal_quantile(double p);
// The z with P(|Z| <= z) = confidence, e.g. 1.959964 for 0.95. Throws
// std::invalid_argument unless 0 < confidence < 1.
double z_for_confidence(double confidence);
// P(|Z| >= |z|) for a standard normal Z; NaN when z is NaN.
double two_sided_p_value(double z);
// mean +- z * se at the given confidence; undefined when the estimate is.
Interval normal_interval(const MeanEstimate& estimate, double confidence);
// Upper tail P(X >= x) of a chi-square distribution with df degrees of freedom.
double chi_square_upper_tail(double x, double df);

}  // namespace keyart::analysis::stats
