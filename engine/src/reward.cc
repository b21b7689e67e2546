#include "keyart/engine/reward.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace keyart::engine {

RewardDefinition::RewardDefinition() : kinds_{{"click", 1.0}, {"play", 2.0}, {"completion", 3.0}} {}

RewardDefinition RewardDefinition::parse(std::string_view text) {
  RewardDefinition def;
  def.kinds_.clear();
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos
                                                                       : comma - pos));
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw std::invalid_argument("reward definition item '" + item +
                                  "' must be kind=weight, e.g. click=1,play=2");
    }
    std::string kind = item.substr(0, eq), w = item.substr(eq + 1);
    char* end = nullptr;
    double weight = std::strtod(w.c_str(), &end);
    if (*end != '\0' || !std::isfinite(weight)) {
      throw std::invalid_argument("reward weight '" + w + "' of kind '" + kind +
                                  "' is not a number");
    }
    if (is_mark_kind(kind)) {
      throw std::invalid_argument("reward kind '" + kind +
                                  "' starts with '_', which keyart keeps for its own marks");
    }
    if (def.index(kind) >= 0) {
      throw std::invalid_argument("reward kind '" + kind + "' is defined twice");
    }
    def.kinds_.emplace_back(kind, weight);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (def.kinds_.empty() || def.kinds_.size() > 32) {
    throw std::invalid_argument("a reward definition needs 1 to 32 kinds");
  }
  return def;
}

int RewardDefinition::index(std::string_view kind) const {
  for (size_t i = 0; i < kinds_.size(); ++i) {
    if (kinds_[i].first == kind) return static_cast<int>(i);
  }
  return -1;
}

std::string RewardDefinition::to_string() const {
  std::string s;
  for (const auto& [k, w] : kinds_) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", w);
    if (!s.empty()) s += ',';
    s.append(k).append("=").append(buf);
  }
  return s;
}

}  // namespace keyart::engine
