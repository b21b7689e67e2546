// Experiments: creation rules (ids, shares summing to 1, one control), the
// draft -> running -> stopped life cycle enforced by code and by the
// schema's triggers, and overlap of running experiments.
#include <gtest/gtest.h>

#include "sqlite.h"

#include "support/ledger_fixture.h"
#include "support/ledger_dump.h"

namespace keyart::ledger {
namespace {

using testing::LedgerFixture;

template <typename Fn>
std::pair<ErrorKind, std::string> error_of(Fn&& fn) {
  try {
    fn();
  } catch (const LedgerError& e) {
    return {e.kind(), e.what()};
  }
  ADD_FAILURE() << "no LedgerError";
  return {ErrorKind::kInternal, ""};
}

Experiment two_arms(const std::string& id, double a, double b) {
  return {.experiment_id = id,
          .name = "test " + id,
          .arms = {{.arm_id = "control", .policy_spec = "fixed:t1-v1", .traffic_share = a},
                   {.arm_id = "bandit", .policy_spec = "linucb:alpha=1", .traffic_share = b}}};
}

TEST(Experiments, CreateStartStop) {
  LedgerFixture f;
  f.add_title("t1", 2);
  Experiment e = two_arms("e1", 0.3, 0.7);
  e.title_ids = {"t1"};
  create_experiment(f.ledger, e);
  Experiment stored = get_experiment(f.ledger, "e1");
  EXPECT_EQ(stored.status, "draft");
  EXPECT_EQ(stored.salt.size(), 16u);
  ASSERT_EQ(stored.arms.size(), 2u);
  EXPECT_TRUE(stored.arms[0].is_control);  // the first arm by default
  EXPECT_FALSE(stored.arms[1].is_control);
  EXPECT_EQ(stored.arms[1].position, 1);
  EXPECT_DOUBLE_EQ(stored.arms[1].traffic_share, 0.7);
  EXPECT_FALSE(running_experiment_for_title(f.ledger, "t1"));
  start_experiment(f.ledger, "e1", 1000);
  EXPECT_EQ(running_experiment_for_title(f.ledger, "t1")->experiment_id, "e1");
  stop_experiment(f.ledger, "e1", 2000);
  stored = get_experiment(f.ledger, "e1");
  EXPECT_EQ(stored.status, "stopped");
  EXPECT_EQ(*stored.started_at, 1000);
  EXPECT_EQ(*stored.stopped_at, 2000);
  EXPECT_FALSE(running_experiment_for_title(f.ledger, "t1"));
}

TEST(Experiments, SharesMustSumToOne) {
  LedgerFixture f;
  std::string before = testing::dump_ledger(f.path);
  auto [kind, message] = error_of([&] { create_experiment(f.ledger, two_arms("e1", 0.5, 0.4)); });
  EXPECT_EQ(kind, ErrorKind::kInvalid);
  EXPECT_NE(message.find("sum to"), std::string::npos) << message;
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, two_arms("e1", 0.0, 1.0)); }).first,
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, two_arms("e1", -0.5, 1.5)); }).first,
            ErrorKind::kInvalid);
  EXPECT_EQ(testing::dump_ledger(f.path), before);
  // Three thirds are fine despite rounding.
  Experiment thirds = two_arms("e2", 1.0 / 3, 1.0 / 3);
  thirds.arms.push_back({.arm_id = "third", .policy_spec = "uniform", .traffic_share = 1.0 / 3});
  create_experiment(f.ledger, thirds);
}

TEST(Experiments, DefinitionErrors) {
  LedgerFixture f;
  Experiment dup = two_arms("e1", 0.5, 0.5);
  dup.arms[1].arm_id = "control";
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, dup); }).first, ErrorKind::kInvalid);
  Experiment controls = two_arms("e1", 0.5, 0.5);
  controls.arms[0].is_control = controls.arms[1].is_control = true;
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, controls); }).first, ErrorKind::kInvalid);
  Experiment unknown_title = two_arms("e1", 0.5, 0.5);
  unknown_title.title_ids = {"nope"};
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, unknown_title); }).first,
            ErrorKind::kNotFound);
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, {.experiment_id = "e1", .name = "x"}); })
                .first,
            ErrorKind::kInvalid);
  EXPECT_TRUE(list_experiments(f.ledger).empty());
  create_experiment(f.ledger, two_arms("e1", 0.5, 0.5));
  EXPECT_EQ(error_of([&] { create_experiment(f.ledger, two_arms("e1", 0.5, 0.5)); }).first,
            ErrorKind::kConflict);
}

TEST(Experiments, LifeCycleOnlyMovesForward) {
  LedgerFixture f;
  create_experiment(f.ledger, two_arms("e1", 0.5, 0.5));
  EXPECT_EQ(error_of([&] { stop_experiment(f.ledger, "e1"); }).first, ErrorKind::kConflict);
  start_experiment(f.ledger, "e1");
  EXPECT_EQ(error_of([&] { start_experiment(f.ledger, "e1"); }).first, ErrorKind::kConflict);
  stop_experiment(f.ledger, "e1");
  EXPECT_EQ(error_of([&] { start_experiment(f.ledger, "e1"); }).first, ErrorKind::kConflict);
  EXPECT_EQ(error_of([&] { start_experiment(f.ledger, "nope"); }).first, ErrorKind::kNotFound);
}

TEST(Experiments, SchemaTriggersGuardDirectSql) {
  LedgerFixture f;
  create_experiment(f.ledger, two_arms("e1", 0.5, 0.5));
  Database& db = f.ledger.db();
  // Breaking the shares behind the API's back, then starting, fails in SQL.
  db.exec("UPDATE arms SET traffic_share = 0.25 WHERE arm_id = 'bandit'");
  EXPECT_EQ(error_of([&] {
              db.exec("UPDATE experiments SET status = 'running', started_at = 1 "
                      "WHERE experiment_id = 'e1'");
            }).first,
            ErrorKind::kInvalid);
  db.exec("UPDATE arms SET traffic_share = 0.5 WHERE arm_id = 'bandit'");
  start_experiment(f.ledger, "e1");
  EXPECT_EQ(error_of([&] { db.exec("DELETE FROM arms WHERE arm_id = 'bandit'"); }).first,
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] {
              db.exec("UPDATE experiments SET status = 'draft' WHERE experiment_id = 'e1'");
            }).first,
            ErrorKind::kInvalid);
  EXPECT_EQ(error_of([&] {
              db.exec("INSERT INTO experiments (experiment_id, name, status, salt, created_at, "
                      "started_at) VALUES ('e2', 'x', 'running', 's', 1, 1)");
            }).first,
            ErrorKind::kInvalid);
}

TEST(Experiments, OverlappingRunningExperimentsRefused) {
  LedgerFixture f;
  f.add_title("t1", 1);
  f.add_title("t2", 1);
  Experiment a = two_arms("a", 0.5, 0.5);
  a.title_ids = {"t1"};
  Experiment b = two_arms("b", 0.5, 0.5);
  b.title_ids = {"t2"};
  Experiment all = two_arms("all", 0.5, 0.5);
  create_experiment(f.ledger, a);
  create_experiment(f.ledger, b);
  create_experiment(f.ledger, all);
  start_experiment(f.ledger, "a");
  start_experiment(f.ledger, "b");  // disjoint titles
  EXPECT_EQ(error_of([&] { start_experiment(f.ledger, "all"); }).first, ErrorKind::kConflict);
  EXPECT_EQ(running_experiment_for_title(f.ledger, "t2")->experiment_id, "b");
}

}  // namespace
}  // namespace keyart::ledger
