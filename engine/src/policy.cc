#include "keyart/engine/policy.h"

#include <functional>

#include "policy_factories.h"

namespace keyart::engine {

namespace {
constexpr uint32_t kPolicyFormat = 1;

struct Entry {
  const char* name;
  std::unique_ptr<Policy> (*make)(const PolicySpec&);
};
const Entry kPolicies[] = {
    {"fixed", make_fixed_policy},
    {"uniform", make_uniform_policy},
    {"epsilon-greedy", make_epsilon_greedy_policy},
    {"beta-ts", make_beta_thompson_policy},
    {"linucb", make_linucb_policy},
    {"hybrid-linucb", make_hybrid_linucb_policy},
    {"lints", make_linear_thompson_policy},
};

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string_view::npos) return {};
  size_t b = s.find_last_not_of(" \t");
  return std::string(s.substr(a, b - a + 1));
}
}  // namespace

Observation observation_of(const ChoiceInput& input, int index) {
  const CandidateVector& c = input.candidates[index];
  return Observation{c.variant->id, c.variant->id_key, c.block, input.common, c.own};
}

PolicySpec parse_policy_spec(std::string_view text) {
  PolicySpec spec;
  spec.text = std::string(text);
  size_t colon = text.find(':');
  spec.name = trim(text.substr(0, colon));
  if (spec.name.empty()) {
    throw SpecError("empty policy spec: use e.g. 'linucb:alpha=1.0' (see docs/ENGINE.md)");
  }
  if (colon == std::string_view::npos) return spec;
  std::string_view rest = text.substr(colon + 1);
  bool first = true;
  while (true) {
    size_t comma = rest.find(',');
    std::string item = trim(rest.substr(0, comma));
    size_t eq = item.find('=');
    if (first && spec.name == "fixed" && eq == std::string::npos) {
      spec.target = item;
    } else if (item.empty() && comma == std::string_view::npos && !first) {
      // trailing comma: tolerated
    } else {
      if (eq == std::string::npos || eq == 0) {
        throw SpecError("parameter '" + item + "' must be key=value in policy spec '" +
                        spec.text + "'");
      }
      std::string key = trim(item.substr(0, eq));
      for (const auto& [k, v] : spec.params) {
        if (k == key) {
          throw SpecError("parameter '" + key + "' given twice in policy spec '" + spec.text + "'");
        }
      }
      spec.params.emplace_back(key, trim(item.substr(eq + 1)));
    }
    first = false;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return spec;
}

std::unique_ptr<Policy> make_policy(std::string_view text) {
  PolicySpec spec = parse_policy_spec(text);
  for (const Entry& e : kPolicies) {
    if (spec.name == e.name) return e.make(spec);
  }
  std::string known;
  for (const Entry& e : kPolicies) {
    if (!known.empty()) known += ", ";
    known += e.name;
  }
  throw SpecError("unknown policy '" + spec.name + "' in policy spec '" + spec.text +
                  "' (known: " + known + ")");
}

std::vector<std::string> policy_names() {
  std::vector<std::string> out;
  for (const Entry& e : kPolicies) out.emplace_back(e.name);
  return out;
}

void Policy::save(BinaryWriter& out) const {
  out.u32(kPolicyFormat);
  out.str(spec());
  out.u64(version_);
  save_state(out);
}

void Policy::load(BinaryReader& in) {
  uint32_t format = in.u32();
  if (format != kPolicyFormat) {
    throw SnapshotError("policy state format " + std::to_string(format) +
                        " is not supported (expected " + std::to_string(kPolicyFormat) + ")");
  }
  std::string saved = in.str();
  if (saved != spec()) {
    throw SnapshotError("snapshot holds policy '" + saved + "', not '" + spec() + "'");
  }
  version_ = in.u64();
  load_state(in);
}

}  // namespace keyart::engine
