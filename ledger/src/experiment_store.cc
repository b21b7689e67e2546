#include "keyart/ledger/experiment_store.h"

#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "keyart/engine/reward.h"
#include "keyart/ledger/catalog.h"
#include "database.h"

namespace keyart::ledger {

namespace {

std::string random_salt() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string salt(16, '0');
  for (auto& c : salt) c = kHex[rd() & 15];
  return salt;
}

void invalid(const std::string& message) { throw LedgerError(ErrorKind::kInvalid, message); }

std::vector<Arm> arms_of(Ledger& ledger, std::string_view experiment_id) {
  Statement& st = ledger.db().cached(
      "SELECT arm_id, policy_spec, traffic_share, is_control, position FROM arms "
      "WHERE experiment_id = ? ORDER BY position");
  st.bind(1, experiment_id);
  return st.all([](const Statement& row) {
    return Arm{row.column_text(0), row.column_text(1), row.column_double(2),
               row.column_int(3) != 0, static_cast<int>(row.column_int(4))};
  });
}

std::vector<std::string> titles_of(Ledger& ledger, std::string_view experiment_id) {
  Statement& st = ledger.db().cached(
      "SELECT title_id FROM experiment_titles WHERE experiment_id = ? ORDER BY title_id");
  st.bind(1, experiment_id);
  return st.all([](const Statement& row) { return row.column_text(0); });
}

constexpr const char* kExperimentColumns =
    "SELECT experiment_id, name, description, status, source, salt, metric, created_at, "
    "started_at, stopped_at, guardrails FROM experiments ";

Experiment experiment_from_row(const Statement& st) {
  Experiment e;
  e.experiment_id = st.column_text(0);
  e.name = st.column_text(1);
  e.description = st.column_text(2);
  e.status = st.column_text(3);
  e.source = st.column_text(4);
  e.salt = st.column_text(5);
  e.metric = st.column_text(6);
  e.created_at = st.column_int(7);
  e.started_at = st.column_optional_int(8);
  e.stopped_at = st.column_optional_int(9);
  std::string guardrails = st.column_text(10);
  for (size_t start = 0; start < guardrails.size();) {
    size_t comma = guardrails.find(',', start);
    if (comma == std::string::npos) comma = guardrails.size();
    if (comma > start) e.guardrails.push_back(guardrails.substr(start, comma - start));
    start = comma + 1;
  }
  return e;
}

void fill_details(Ledger& ledger, Experiment& e) {
  e.arms = arms_of(ledger, e.experiment_id);
  e.title_ids = titles_of(ledger, e.experiment_id);
}

bool covers(const Experiment& e, std::string_view title_id) {
  if (e.title_ids.empty()) return true;
  for (const auto& t : e.title_ids) {
    if (t == title_id) return true;
  }
  return false;
}

bool overlaps(const Experiment& a, const Experiment& b) {
  if (a.title_ids.empty() || b.title_ids.empty()) return true;
  for (const auto& t : a.title_ids) {
    if (covers(b, t)) return true;
  }
  return false;
}

}  // namespace

void validate_experiment_definition(const Experiment& e) {
  require_valid_id("experiment", e.experiment_id);
  if (e.name.empty() || e.name.size() > 512) invalid("experiment name must be 1-512 characters");
  if (e.arms.empty()) invalid("experiment '" + e.experiment_id + "' needs at least one arm");
  if (!e.salt.empty() && e.salt.size() > 128) invalid("salt must be at most 128 characters");
  std::set<std::string> ids;
  double total = 0;
  int controls = 0;
  for (const Arm& arm : e.arms) {
    require_valid_id("arm", arm.arm_id);
    if (!ids.insert(arm.arm_id).second) invalid("arm '" + arm.arm_id + "' is listed twice");
    if (arm.policy_spec.empty()) invalid("arm '" + arm.arm_id + "' has no policy");
    if (!(arm.traffic_share > 0 && arm.traffic_share <= 1)) {
      invalid("arm '" + arm.arm_id + "' has traffic share " + std::to_string(arm.traffic_share) +
              "; shares must be in (0, 1]");
    }
    total += arm.traffic_share;
    controls += arm.is_control ? 1 : 0;
  }
  if (std::abs(total - 1.0) > 1e-9) {
    invalid("traffic shares of experiment '" + e.experiment_id + "' sum to " +
            std::to_string(total) + ", not 1");
  }
  if (controls > 1) invalid("experiment '" + e.experiment_id + "' has more than one control arm");
  std::set<std::string> titles;
  for (const auto& t : e.title_ids) {
    if (!titles.insert(t).second) invalid("title '" + t + "' is listed twice");
  }
}

void create_experiment(Ledger& ledger, const Experiment& input) {
  ledger.require_writable();
  validate_experiment_definition(input);
  Experiment e = input;
  if (e.salt.empty()) e.salt = random_salt();
  bool has_control = false;
  for (const Arm& arm : e.arms) has_control = has_control || arm.is_control;
  if (!has_control) e.arms.front().is_control = true;

  Database& db = ledger.db();
  SqlTransaction tx(db);
  if (find_experiment(ledger, e.experiment_id)) {
    throw LedgerError(ErrorKind::kConflict,
                      "experiment '" + e.experiment_id + "' already exists");
  }
  for (const auto& t : e.title_ids) get_title(ledger, t);
  std::string guardrails;
  for (const std::string& g : e.guardrails) {
    // KIND or KIND:ANALYSIS (the report knows the analyses' names).
    const std::string kind = g.substr(0, g.find(':'));
    const std::string analysis = kind.size() < g.size() ? g.substr(kind.size() + 1) : "";
    if (!engine::is_reward_kind_name(kind) ||
        (kind.size() < g.size() &&
         (analysis.empty() || analysis.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") !=
                                  std::string::npos))) {
      throw LedgerError(ErrorKind::kInvalid, "guardrail '" + g +
                                                 "' is not KIND or KIND:ANALYSIS");
    }
    if (g == e.metric) {
      throw LedgerError(ErrorKind::kInvalid, "guardrail '" + g + "' is the experiment's metric");
    }
    guardrails += (guardrails.empty() ? "" : ",") + g;
  }
  db.cached("INSERT INTO experiments (experiment_id, name, description, status, source, salt, "
            "metric, created_at, guardrails) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?)")
      .bind_all(e.experiment_id, e.name, e.description, e.source, e.salt, e.metric,
                e.created_at ? e.created_at : now_ms(), guardrails)
      .run();
  for (const auto& t : e.title_ids) {
    db.cached("INSERT INTO experiment_titles (experiment_id, title_id) VALUES (?, ?)")
        .bind_all(e.experiment_id, t)
        .run();
  }
  int64_t position = 0;
  for (const Arm& arm : e.arms) {
    db.cached("INSERT INTO arms (experiment_id, arm_id, position, policy_spec, traffic_share, "
              "is_control) VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(e.experiment_id, arm.arm_id, position++, arm.policy_spec, arm.traffic_share,
                  int64_t{arm.is_control ? 1 : 0})
        .run();
  }
  tx.commit();
}

namespace {

// One step of an experiment's life: draft -> running -> stopped.
struct StatusChange {
  std::string_view from, to;
  std::string_view time_column;  // set to the step's time
  std::string_view refusal;      // why another status cannot take the step
};
constexpr StatusChange kStart{"draft", "running", "started_at", "only a draft can be started"};
constexpr StatusChange kStop{"running", "stopped", "stopped_at",
                             "only a running one can be stopped"};

// Takes the step in one transaction. check() may refuse it (throwing);
// at() gives the step's time.
void change_status(Ledger& ledger, std::string_view experiment_id, const StatusChange& step,
                   const std::function<void(const Experiment&)>& check,
                   const std::function<int64_t(const Experiment&)>& at) {
  ledger.require_writable();
  Database& db = ledger.db();
  SqlTransaction tx(db);
  Experiment e = get_experiment(ledger, experiment_id);
  if (e.status != step.from) {
    throw LedgerError(ErrorKind::kConflict, "experiment '" + e.experiment_id + "' is " +
                                                e.status + "; " + std::string(step.refusal));
  }
  check(e);
  db.cached("UPDATE experiments SET status = ?, " + std::string(step.time_column) +
            " = ? WHERE experiment_id = ?")
      .bind_all(step.to, at(e), e.experiment_id)
      .run();
  tx.commit();
}

}  // namespace

void start_experiment(Ledger& ledger, std::string_view experiment_id, int64_t at_ms) {
  change_status(
      ledger, experiment_id, kStart,
      [&](const Experiment& e) {
        for (const Experiment& other : list_experiments(ledger)) {
          if (other.status == "running" && overlaps(e, other)) {
            throw LedgerError(ErrorKind::kConflict,
                              "experiment '" + other.experiment_id +
                                  "' is running on some of the same titles; stop it first");
          }
        }
      },
      [&](const Experiment&) { return at_ms ? at_ms : now_ms(); });
}

void stop_experiment(Ledger& ledger, std::string_view experiment_id, int64_t at_ms) {
  change_status(
      ledger, experiment_id, kStop, [](const Experiment&) {},
      [&](const Experiment& e) {
        const int64_t at = at_ms ? at_ms : now_ms();
        return e.started_at && at < *e.started_at ? *e.started_at : at;
      });
}

std::optional<Experiment> find_experiment(Ledger& ledger, std::string_view experiment_id) {
  Statement& st =
      ledger.db().cached(std::string(kExperimentColumns) + "WHERE experiment_id = ?");
  st.bind(1, experiment_id);
  std::optional<Experiment> e = st.one(experiment_from_row);
  if (e) fill_details(ledger, *e);
  return e;
}

Experiment get_experiment(Ledger& ledger, std::string_view experiment_id) {
  auto e = find_experiment(ledger, experiment_id);
  if (!e) {
    throw LedgerError(ErrorKind::kNotFound, "no experiment '" + std::string(experiment_id) +
                                                "' (see 'keyart experiment list')");
  }
  return *e;
}

std::vector<Experiment> list_experiments(Ledger& ledger) {
  Statement st = ledger.db().prepare(std::string(kExperimentColumns) +
                                     "ORDER BY created_at, experiment_id");
  std::vector<Experiment> out = st.all(experiment_from_row);
  for (auto& e : out) fill_details(ledger, e);
  return out;
}

std::optional<Experiment> running_experiment_for_title(Ledger& ledger,
                                                       std::string_view title_id) {
  for (Experiment& e : list_experiments(ledger)) {
    if (e.status == "running" && covers(e, title_id)) return std::move(e);
  }
  return std::nullopt;
}

}  // namespace keyart::ledger
