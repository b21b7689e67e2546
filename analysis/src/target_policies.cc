// The target policies that need no engine: uniform and a fixed variant.
#include <algorithm>

#include "keyart/analysis/off_policy_report.h"
#include "keyart/ledger/errors.h"

namespace keyart::analysis {

namespace {

class UniformPolicy final : public TargetPolicy {
 public:
  std::string describe() const override { return "uniform"; }
  bool probabilities(const LoggedDecision& row, std::vector<double>& out) override {
    out.assign(row.candidates.size(), 1.0 / static_cast<double>(row.candidates.size()));
    return true;
  }
};

class FixedPolicy final : public TargetPolicy {
 public:
  explicit FixedPolicy(std::string variant) : variant_(std::move(variant)) {}
  std::string describe() const override { return "fixed:" + variant_; }
  bool probabilities(const LoggedDecision& row, std::vector<double>& out) override {
    out.assign(row.candidates.size(), 0.0);
    auto it = std::find(row.candidates.begin(), row.candidates.end(), variant_);
    if (it == row.candidates.end()) return false;
    out[static_cast<size_t>(it - row.candidates.begin())] = 1.0;
    return true;
  }

 private:
  std::string variant_;
};

}  // namespace

std::unique_ptr<TargetPolicy> make_builtin_target_policy(std::string_view spec) {
  if (spec == "uniform") return std::make_unique<UniformPolicy>();
  for (std::string_view prefix : {"fixed:variant=", "fixed:"}) {
    if (spec.substr(0, prefix.size()) == prefix && spec.size() > prefix.size()) {
      return std::make_unique<FixedPolicy>(std::string(spec.substr(prefix.size())));
    }
  }
  throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                    "policy '" + std::string(spec) +
                        "' is not one off-policy evaluation knows: use uniform or fixed:VARIANT");
}

}  // namespace keyart::analysis
