// keyart report experiment|power|ope: analyst reports over the ledger.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "keyart/analysis/experiment_report.h"
#include "keyart/analysis/off_policy_report.h"
#include "keyart/analysis/report_format.h"
#include "keyart/analysis/stats/power.h"

namespace keyart::cli {

namespace {

namespace stats = analysis::stats;

template <typename T>
T parse_choice(const Subcommand& cmd, const char* option, std::optional<T> (*parse)(std::string_view),
               const char* choices) {
  const std::string value = cmd.get<std::string>(option);
  auto parsed = parse(value);
  if (!parsed) {
    throw UsageError(std::string("--") + option + " '" + value + "' is not one of: " + choices);
  }
  return *parsed;
}

double positive_fraction(const Subcommand& cmd, const char* option) {
  const double x = cmd.get<double>(option);
  if (!(x > 0 && x < 1)) {
    throw UsageError(std::string("--") + option + " must be between 0 and 1 (exclusive), not " +
                     std::to_string(x));
  }
  return x;
}

// Writes text to --out or to stdout. A regular file is written through a
// temporary file renamed into place, so a failed run never leaves half a
// report; anything else (a pipe, /dev/null) is written directly.
void emit(const Subcommand& cmd, const std::string& text) {
  if (!cmd.has("out")) {
    std::cout << text;
    return;
  }
  const std::filesystem::path path = cmd.get<std::string>("out");
  std::error_code ec;
  const bool special = std::filesystem::exists(path, ec) &&
                       !std::filesystem::is_regular_file(path, ec);
  const std::filesystem::path target = special ? path : std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream file(target, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      if (!special) std::filesystem::remove(target, ec);
      throw CommandError("cannot write '" + path.string() +
                         "' (check the folder exists and is writable)");
    }
  }
  if (!special) std::filesystem::rename(target, path);
  std::cerr << "wrote " << path.string() << "\n";
}

// The options every A/B report takes (report experiment and compare), and
// reading them.
void add_report_options(Subcommand& cmd) {
  cmd.add_options()(
      "metric", po::value<std::string>()->default_value(""),
      "reward kind to analyse (default: the experiment's metric)")(
      "analysis", po::value<std::string>()->default_value("clustered"),
      "clustered (rewards per exposure, variance by viewer), exposure (every exposure "
      "independent), unit-share (share of viewers with a reward) or per-unit (rewards per "
      "viewer)")(
      "by", po::value<std::string>()->default_value("none"),
      "segment the table by device, country, hour or variant, or by two of them "
      "(e.g. device,country)")(
      "hour-bucket", po::value<int>()->default_value(6), "hours per bucket with --by hour")(
      "top", po::value<int>()->default_value(50),
      "with --by: the N largest segments by exposures (0 = every segment)")(
      "since", po::value<std::string>(), "first time included (2026-11-27, ISO time or Unix ms)")(
      "until", po::value<std::string>(), "first time excluded")(
      "confidence", po::value<double>()->default_value(0.95), "confidence level of intervals")(
      "variance", po::value<std::string>()->default_value("sample"),
      "the variances' divisor: sample (n - 1) or population (n, p(1-p)/n for a rate); "
      "docs/REPORTS.md")(
      "tau", po::value<double>()->default_value(stats::kDefaultSequentialTau),
      "mSPRT mixing sd: the absolute difference in rate the sequential test is tuned to")(
      "guardrail", po::value<std::vector<std::string>>(),
      "a guardrail metric, KIND or KIND:ANALYSIS (e.g. completion, play:unit-share; repeat; "
      "default: the experiment's own list; 'none': no guardrails)")(
      "guardrail-threshold", po::value<double>()->default_value(0.01),
      "flag a guardrail when the lower end of its lift interval is below minus this (0.01 = -1 %)")(
      "loss-threshold", po::value<double>()->default_value(0.01),
      "the verdict's threshold on expected loss, as a share of the control's rate")(
      "cuped", "add CUPED-adjusted figures (with --analysis per-unit or unit-share): the "
               "covariate is each viewer's metric before the experiment started")(
      "cuped-window", po::value<std::string>()->default_value("14d"),
      "with --cuped: how far before the start the covariate is read (e.g. 14d, 36h)")(
      "format", po::value<std::string>()->default_value("text"), "text, json, csv or html")(
      "out", po::value<std::string>(), "write to FILE instead of standard output");
}

analysis::ReportOptions read_report_options(const Subcommand& cmd) {
  analysis::ReportOptions options;
  options.metric = cmd.get<std::string>("metric");
  options.analysis = parse_choice<analysis::Analysis>(cmd, "analysis", analysis::parse_analysis,
                                                      "clustered, exposure, unit-share, per-unit");
  options.by = parse_choice<analysis::Segmentation>(
      cmd, "by", analysis::parse_segmentation,
      "none, device, country, hour, variant, or two of them (device,country)");
  options.variance = parse_choice<stats::VarianceDivisor>(cmd, "variance", analysis::parse_variance,
                                                          "sample, population");
  options.hour_bucket = cmd.get<int>("hour-bucket");
  if (options.hour_bucket < 1 || options.hour_bucket > 24) {
    throw UsageError("--hour-bucket must be 1 to 24 hours");
  }
  const int top = cmd.get<int>("top");
  if (top < 0) throw UsageError("--top must be 0 (every segment) or more");
  options.max_segments = static_cast<size_t>(top);
  if (cmd.has("since")) options.since_ms = parse_time_ms(cmd.get<std::string>("since"), "since");
  if (cmd.has("until")) options.until_ms = parse_time_ms(cmd.get<std::string>("until"), "until");
  if (options.since_ms && options.until_ms && *options.until_ms <= *options.since_ms) {
    throw UsageError("--until must be later than --since");
  }
  options.confidence = positive_fraction(cmd, "confidence");
  options.sequential_tau = cmd.get<double>("tau");
  if (!(options.sequential_tau > 0) || !std::isfinite(options.sequential_tau)) {
    throw UsageError("--tau must be a positive number (e.g. 0.01)");
  }
  if (cmd.has("guardrail")) {
    options.guardrails = cmd.list("guardrail");
    for (const std::string& g : options.guardrails) {
      if (g != "none" && !analysis::parse_guardrail(g)) {
        throw UsageError("--guardrail '" + g + "' is not KIND or KIND:ANALYSIS (analyses: "
                         "clustered, exposure, unit-share, per-unit)");
      }
    }
  }
  options.cuped = cmd.has("cuped");
  options.cuped_window_ms = parse_duration_ms(cmd.get<std::string>("cuped-window"), "cuped-window");
  if (options.cuped && options.analysis != analysis::Analysis::kPerUnit &&
      options.analysis != analysis::Analysis::kUnitShare) {
    throw UsageError("--cuped adjusts a per-viewer metric: add --analysis per-unit or unit-share");
  }
  options.guardrail_threshold = positive_fraction(cmd, "guardrail-threshold");
  options.loss_threshold = positive_fraction(cmd, "loss-threshold");
  return options;
}

// Renders in the format asked for, to --out or standard output.
int emit_report(const Subcommand& cmd, const analysis::ExperimentReport& report) {
  analysis::Format format = parse_choice<analysis::Format>(cmd, "format", analysis::parse_format,
                                                           "text, json, csv, html");
  if (cmd.json()) format = analysis::Format::kJson;
  std::ostringstream out;
  analysis::render(report, format, out);
  emit(cmd, out.str());
  return kExitOk;
}

int report_experiment(Args args) {
  Subcommand cmd("report experiment",
                 "EXP [--metric KIND] [--analysis A] [--by SEGMENT] [--since T --until T] "
                 "[--format text|json|csv|html] [--out FILE]",
                 "The A/B report of an experiment: per arm exposures, units, rewards and the\n"
                 "rate with its interval; lift against the control with a delta-method\n"
                 "interval and a two-sided z-test (Holm-adjusted with several treatments);\n"
                 "Bayesian chance to beat the control / to be best and expected loss\n"
                 "(Beta(1,1) priors); a sample-ratio-mismatch check; an always-valid\n"
                 "sequential p-value (mSPRT, tuned by --tau); segments; the daily trend; and\n"
                 "each variant's rate. See docs/REPORTS.md.");
  cmd.with_db().with_json().positional("experiment", 1);
  cmd.add_options()("experiment", po::value<std::string>()->required(), "experiment id");
  add_report_options(cmd);
  if (!cmd.parse(args)) return kExitOk;
  analysis::ReportOptions options = read_report_options(cmd);
  options.experiment_id = cmd.get<std::string>("experiment");
  auto ledger = cmd.open_ledger(true);
  return emit_report(cmd, analysis::build_experiment_report(ledger, options));
}

int report_compare(Args args) {
  Subcommand cmd("report compare",
                 "EXP_A EXP_B [the options of report experiment]",
                 "Two experiments compared as two arms, EXP_A the control: for two logs of\n"
                 "policies that ran side by side (a uniform-random log and a Thompson-sampling\n"
                 "log of the same campaign, both imported). The same tables, tests, trend and\n"
                 "segments as 'report experiment', with a warning that keyart did not split\n"
                 "the traffic between them (no sample-ratio check). See docs/REPORTS.md.");
  cmd.with_db().with_json().positional("control", 1).positional("treatment", 1);
  cmd.add_options()("control", po::value<std::string>()->required(),
                    "EXP_A, the control experiment")(
      "treatment", po::value<std::string>()->required(), "EXP_B, the experiment compared with it");
  add_report_options(cmd);
  if (!cmd.parse(args)) return kExitOk;
  const analysis::ReportOptions options = read_report_options(cmd);
  auto ledger = cmd.open_ledger(true);
  return emit_report(cmd, analysis::build_comparison_report(
                              ledger, cmd.get<std::string>("control"),
                              cmd.get<std::string>("treatment"), options));
}

int report_power(Args args) {
  Subcommand cmd("report power",
                 "--baseline RATE (--mde REL | --mde-abs DIFF | --units N) [--alpha A] "
                 "[--power P] [--arms K] [--ratio R] [--daily-units N]",
                 "Sample size for a two-proportion test (Fleiss' formula, as R's\n"
                 "power.prop.test): units needed per arm to detect a minimum effect, or, with\n"
                 "--units, the power for that size (or the smallest detectable effect when no\n"
                 "effect is given). With K > 2 arms, alpha is split over the K - 1\n"
                 "comparisons with the control (Bonferroni). Units are the analysis unit:\n"
                 "viewers for a per-viewer metric.");
  cmd.with_json();
  cmd.add_options()("baseline", po::value<double>()->required(), "control rate, e.g. 0.05")(
      "mde", po::value<double>(), "minimum detectable effect, relative (0.1 = +10 %)")(
      "mde-abs", po::value<double>(), "minimum detectable effect, absolute (0.005 = +0.5 points)")(
      "units", po::value<double>(), "units per control arm available")(
      "alpha", po::value<double>()->default_value(0.05), "two-sided significance level")(
      "power", po::value<double>()->default_value(0.8), "power wanted (1 - beta)")(
      "arms", po::value<int>()->default_value(2), "arms including the control")(
      "ratio", po::value<double>()->default_value(1.0), "treatment units per control unit")(
      "daily-units", po::value<double>(), "units entering per day, all arms together")(
      "format", po::value<std::string>()->default_value("text"), "text or json");
  if (!cmd.parse(args)) return kExitOk;
  if (cmd.has("mde") && cmd.has("mde-abs")) throw UsageError("give --mde or --mde-abs, not both");
  const bool have_effect = cmd.has("mde") || cmd.has("mde-abs");
  if (!have_effect && !cmd.has("units")) {
    throw UsageError("give the effect to detect (--mde 0.1 or --mde-abs 0.005) or --units N");
  }
  const int arms = cmd.get<int>("arms");
  if (arms < 2) throw UsageError("--arms must be at least 2 (a control and a treatment)");
  const std::string format = cmd.get<std::string>("format");
  if (format != "text" && format != "json") throw UsageError("--format must be text or json");

  stats::PowerDesign design;
  design.baseline = cmd.get<double>("baseline");
  design.alpha = positive_fraction(cmd, "alpha") / (arms - 1);
  design.power = positive_fraction(cmd, "power");
  design.ratio = cmd.get<double>("ratio");
  double delta = stats::kNaN;
  if (cmd.has("mde")) delta = cmd.get<double>("mde") * design.baseline;
  if (cmd.has("mde-abs")) delta = cmd.get<double>("mde-abs");

  nlohmann::json j = {{"baseline", design.baseline},
                      {"alpha", cmd.get<double>("alpha")},
                      {"alpha_per_comparison", design.alpha},
                      {"arms", arms},
                      {"ratio", design.ratio},
                      {"method", "two-sided two-proportion z-test, Fleiss (no continuity "
                                 "correction)"}};
  double control_units = stats::kNaN, power = design.power;
  try {
    if (have_effect && !cmd.has("units")) {
      control_units = std::ceil(stats::sample_size_per_arm(design, delta));
    } else if (have_effect) {
      control_units = cmd.get<double>("units");
      power = stats::power_for_sample_size(design, delta, control_units);
    } else {
      control_units = cmd.get<double>("units");
      delta = stats::minimum_detectable_effect(design, control_units);
      if (!std::isfinite(delta)) {
        throw UsageError("no effect is detectable with " + std::to_string(control_units) +
                         " units per arm at this power; add units");
      }
    }
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const double treatment_units = std::ceil(control_units * design.ratio);
  const double total = control_units + treatment_units * (arms - 1);
  j["treatment_rate"] = design.baseline + delta;
  j["mde_absolute"] = delta;
  j["mde_relative"] = delta / design.baseline;
  j["power"] = power;
  j["units_per_control_arm"] = control_units;
  j["units_per_treatment_arm"] = treatment_units;
  j["units_total"] = total;
  double days = stats::kNaN;
  if (cmd.has("daily-units")) {
    const double daily = cmd.get<double>("daily-units");
    if (!(daily > 0)) throw UsageError("--daily-units must be positive");
    days = std::ceil(total / daily);
    j["days"] = days;
  }
  if (format == "json" || cmd.json()) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(4);
  out << "baseline rate " << design.baseline << ", treatment rate " << design.baseline + delta
      << " (absolute effect " << delta << ", relative " << 100 * delta / design.baseline << "%)\n"
      << "alpha " << cmd.get<double>("alpha") << " two-sided";
  if (arms > 2) out << " (" << design.alpha << " per comparison, Bonferroni over " << arms - 1 << ")";
  out << ", power " << power << "\n";
  out.precision(0);
  out << "units: " << control_units << " in the control arm, " << treatment_units
      << " in each of " << arms - 1 << " treatment arm" << (arms > 2 ? "s" : "") << ", "
      << total << " in total\n";
  if (std::isfinite(days)) out << "days at " << cmd.get<double>("daily-units") << " units a day: " << days << "\n";
  std::cout << out.str();
  return kExitOk;
}

int report_ope(Args args) {
  Subcommand cmd("report ope",
                 "--policy SPEC (--from EXP [--arm ARM] | --all) [--estimator ips|snips|dr|all] "
                 "[--clip M] [--metric KIND] [--since T --until T] [--format text|json]",
                 "Off-policy evaluation: the reward rate a policy that was never deployed\n"
                 "would have had, estimated from logged exposures and their propensities\n"
                 "(IPS, self-normalised IPS, doubly robust), each with its interval, the\n"
                 "effective sample size, the smallest logged propensity and how many weights\n"
                 "were clipped. Policies: uniform, fixed:VARIANT, or any engine spec (e.g.\n"
                 "linucb:alpha=1.0), replayed over the log in time order and learning from\n"
                 "it as it goes. See docs/REPORTS.md.");
  cmd.with_db().with_json();
  cmd.add_options()("policy", po::value<std::string>()->required(), "the policy to evaluate")(
      "from", po::value<std::string>(), "an experiment's exposures")(
      "arm", po::value<std::string>(), "with --from: only this arm's exposures")(
      "all", "every exposure in the ledger")(
      "estimator", po::value<std::string>()->default_value("all"), "ips, snips, dr or all")(
      "clip", po::value<double>(), "cap importance weights at M (counted and reported)")(
      "metric", po::value<std::string>()->default_value(""),
      "reward kind (default: the experiment's metric, else click)")(
      "since", po::value<std::string>(), "first time included")(
      "until", po::value<std::string>(), "first time excluded")(
      "confidence", po::value<double>()->default_value(0.95), "confidence level of intervals")(
      "seed", po::value<uint64_t>()->default_value(1), "randomness of sampling policies")(
      "format", po::value<std::string>()->default_value("text"), "text or json")(
      "out", po::value<std::string>(), "write to FILE instead of standard output");
  if (!cmd.parse(args)) return kExitOk;
  if (cmd.has("from") == cmd.has("all")) {
    throw UsageError("give --from EXPERIMENT or --all (one of them)");
  }
  if (cmd.has("arm") && !cmd.has("from")) throw UsageError("--arm needs --from EXPERIMENT");
  analysis::OffPolicyOptions options;
  if (cmd.has("from")) options.experiment_id = cmd.get<std::string>("from");
  if (cmd.has("arm")) options.arm_id = cmd.get<std::string>("arm");
  options.metric = cmd.get<std::string>("metric");
  if (cmd.has("since")) options.since_ms = parse_time_ms(cmd.get<std::string>("since"), "since");
  if (cmd.has("until")) options.until_ms = parse_time_ms(cmd.get<std::string>("until"), "until");
  if (options.since_ms && options.until_ms && *options.until_ms <= *options.since_ms) {
    throw UsageError("--until must be later than --since");
  }
  if (cmd.has("clip")) {
    options.clip = cmd.get<double>("clip");
    if (!(options.clip > 0) || !std::isfinite(options.clip)) {
      throw UsageError("--clip must be a positive number (e.g. 20)");
    }
  }
  options.confidence = positive_fraction(cmd, "confidence");
  const std::string estimator = cmd.get<std::string>("estimator");
  if (estimator != "all" && estimator != "ips" && estimator != "snips" && estimator != "dr") {
    throw UsageError("--estimator '" + estimator + "' is not one of: ips, snips, dr, all");
  }
  options.show_ips = estimator == "all" || estimator == "ips";
  options.show_snips = estimator == "all" || estimator == "snips";
  options.show_dr = estimator == "all" || estimator == "dr";
  const std::string format = cmd.get<std::string>("format");
  if (format != "text" && format != "json") throw UsageError("--format must be text or json");

  auto ledger = cmd.open_ledger(true);
  std::unique_ptr<analysis::TargetPolicy> policy;
  try {
    policy = analysis::make_target_policy(ledger, cmd.get<std::string>("policy"),
                                          cmd.get<uint64_t>("seed"));
  } catch (const ledger::LedgerError& e) {
    throw UsageError(e.what());
  }
  analysis::OffPolicyReport report = analysis::evaluate_off_policy(ledger, options, *policy);
  emit(cmd, format == "json" || cmd.json() ? analysis::off_policy_json(report)
                                           : analysis::off_policy_text(report));
  return kExitOk;
}

}  // namespace

int cmd_report(Args args) {
  return dispatch("report",
                  {{"experiment", "A/B report of an experiment (text, JSON, CSV or HTML)",
                    report_experiment},
                   {"compare", "two experiments (e.g. two imported logs) as two arms",
                    report_compare},
                   {"power", "sample size or power for a two-proportion test", report_power},
                   {"ope", "off-policy evaluation of a policy on logged exposures", report_ope}},
                  args);
}

}  // namespace keyart::cli
