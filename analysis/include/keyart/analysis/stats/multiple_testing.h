// Corrections for testing several hypotheses at once. Holm (1979) step-down:
// sort the m p-values ascending, p_(i) becomes max over k <= i of
// min(1, (m - k + 1) p_(k)); it controls the family-wise error rate with no
// assumption on dependence and is never less powerful than Bonferroni.
#pragma once

#include <span>
#include <vector>

namespace keyart::analysis::stats {

// Holm-adjusted p-values in the input order. NaN entries (tests that could
// not be run) stay NaN and do not count towards m.
std::vector<double> holm_adjust(std::span<const double> p_values);

}  // namespace keyart::analysis::stats
