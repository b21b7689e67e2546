#include "learner_flags.h"

namespace keyart::cli {

// The defaults are the library's (engine::LearnerOptions), so a program
// that embeds the hook and keyart serve learn alike unless told otherwise.
void add_learner_flags(Subcommand& cmd, bool churn_limit) {
  const engine::LearnerOptions defaults;
  cmd.add_options()(
      "wait-window", po::value<std::string>()->default_value(format_duration_ms(defaults.wait_ms)),
      "how long a decision waits for rewards before the default reward")(
      "rewards", po::value<std::string>()->default_value(defaults.rewards.to_string()),
      "reward kinds and their weights")(
      "seed", po::value<uint64_t>()->default_value(defaults.seed), "random seed (0 = from the OS)");
  if (churn_limit) {
    cmd.add_options()(
        "sticky", po::value<std::string>()->default_value(format_duration_ms(defaults.sticky_ms)),
        "keep showing a unit the same variant of a title for this long (0 = off)");
  }
}

engine::LearnerOptions learner_flags(const Subcommand& cmd) {
  engine::LearnerOptions options;
  try {
    options.rewards = engine::RewardDefinition::parse(cmd.get<std::string>("rewards"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rewards: ") + e.what());
  }
  options.wait_ms = parse_duration_ms(cmd.get<std::string>("wait-window"), "wait-window");
  if (options.wait_ms < 1) throw UsageError("--wait-window must be at least 1ms");
  if (cmd.has("sticky")) options.sticky_ms = parse_duration_ms(cmd.get<std::string>("sticky"), "sticky");
  options.seed = cmd.get<uint64_t>("seed");
  return options;
}

std::pair<std::string, uint16_t> parse_listen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw UsageError("--listen '" + text + "' is not HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw UsageError("--listen '" + text + "' has no valid port");
  return {host, static_cast<uint16_t>(port)};
}

}  // namespace keyart::cli
