// Internal: typed access to a parsed policy spec's parameters with range
// checks; finish() rejects parameters nobody asked for. Every error is a
// SpecError naming the spec, the parameter and what is allowed.
#pragma once

#include <string>
#include <vector>

#include "keyart/engine/feature_layout.h"
#include "keyart/engine/policy.h"

namespace keyart::engine {

class SpecParams {
 public:
  explicit SpecParams(const PolicySpec& spec);

  // A number in [min, max] (max_open: in [min, max)).
  double number(const std::string& key, double fallback, double min, double max,
                bool max_open = false);
  int integer(const std::string& key, int fallback, int min, int max);
  bool flag(const std::string& key, bool fallback);
  std::string text(const std::string& key, const std::string& fallback,
                   const std::vector<std::string>& allowed);
  // The layout parameters: dim, blocks, user, context, title, variant, cross.
  LayoutOptions layout();
  double floor(double fallback) { return number("floor", fallback, 0, 1, true); }
  void finish();  // throws for unknown parameters

  // Appends ",key=value" for the canonical spec.
  static std::string layout_spec(const LayoutOptions& layout);

 private:
  const std::string* raw(const std::string& key);
  [[noreturn]] void fail(const std::string& message) const;
  const PolicySpec& spec_;
  std::vector<std::string> known_;
};

std::string format_number(double v);

}  // namespace keyart::engine
