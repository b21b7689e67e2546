// Copying a whole ledger and pruning old events, on both backends: a copy
// holds every row of every table (checked through the ledger's own reads,
// not only its checksums), refuses a destination that is not empty and
// leaves it untouched; prune removes whole days before the cut with their
// rewards, keeps the rest, and refuses while a running experiment covers them.
#include <gtest/gtest.h>

#include <set>

#include "database.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger_copy.h"
#include "keyart/ledger/plays.h"
#include "keyart/ledger/model_snapshots.h"
#include "keyart/ledger/prune.h"
#include "keyart/ledger/variants.h"
#include "support/ledger_dump.h"
#include "support/ledger_fixture.h"

namespace keyart::ledger {
namespace {

using testing::hex_id;
using testing::LedgerFixture;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kDay0 = 1'700'006'400'000;  // a UTC midnight (2023-11-15)

// A small ledger with a row in every table: three days of events.
void fill(LedgerFixture& f) {
  f.add_title("t1", 3);
  ledger::add_title(f.ledger, {.title_id = "t2", .name = "Two", .genres = {"drama", "crime"}});
  add_cast_member(f.ledger, {.title_id = "t2", .actor_id = "a1", .actor_name = "Ann",
                             .billing_order = 1, .role = "lead"});
  add_headshot(f.ledger, {.actor_id = "a1", .sha256 = std::string(64, 'a'),
                          .storage_path = "aa/x.jpg", .descriptor = {0.25f, -1.5f},
                          .descriptor_model = "m1"});
  put_variant_features(f.ledger, {.variant_id = "t1-v2", .extractor_version = "x1",
                                  .features_json = R"({"style":"closeup"})",
                                  .vector = {0.1, 1.0 / 3.0}});
  set_variant_status(f.ledger, "t1-v3", "retired");
  set_title_default_variant(f.ledger, "t1", "t1-v1");
  Experiment done{.experiment_id = "done", .name = "done", .title_ids = {"t1"}};
  done.arms = {{.arm_id = "c", .policy_spec = "uniform", .traffic_share = 0.25,
                .is_control = true},
               {.arm_id = "d", .policy_spec = "fixed:t1-v1", .traffic_share = 0.75}};
  create_experiment(f.ledger, done);
  start_experiment(f.ledger, "done", kDay0);
  stop_experiment(f.ledger, "done", kDay0 + 3 * kDay);
  Experiment live{.experiment_id = "live", .name = "live", .title_ids = {"t2"}};
  live.arms = {{.arm_id = "a", .policy_spec = "uniform", .traffic_share = 0.5},
               {.arm_id = "b", .policy_spec = "uniform", .traffic_share = 0.5}};
  create_experiment(f.ledger, live);
  start_experiment(f.ledger, "live");
  std::vector<Exposure> exposures;
  std::vector<Reward> rewards;
  for (int i = 0; i < 30; ++i) {
    Exposure e = LedgerFixture::exposure(hex_id(i + 1), "t1", "t1-v" + std::to_string(1 + i % 2));
    e.ts = kDay0 + (i / 10) * kDay + i * 1000;
    e.experiment_id = "done";
    e.arm_id = i % 3 ? "d" : "c";
    e.propensity = 1.0 / 3.0;
    e.device = i % 2 ? std::optional<std::string>("tv") : std::nullopt;
    e.context_json = R"({"hour":"7","note":"tab\tand\\back"})";
    exposures.push_back(e);
    if (i % 4 == 0) rewards.push_back({hex_id(i + 1), "click", 0.1 * i, e.ts + 5});
  }
  std::vector<Play> plays;
  for (int i = 0; i < 3; ++i) {
    plays.push_back({play_key_of("viewer", "t1", kDay0 + i), "viewer", i ? "t1" : "t2",
                     kDay0 + i, i == 1 ? std::optional<double>(42.5) : std::nullopt, i == 2});
  }
  EventWriter writer(f.ledger);
  BatchResult r = writer.write(exposures, rewards, plays);
  ASSERT_TRUE(r.rejected.empty());
  ASSERT_EQ(r.plays_written, 3u);
  record_model_snapshot(f.ledger, {.created_at = kDay0, .storage_path = "models/s.bin",
                                   .sha256 = std::string(64, 'b'), .bytes = 10,
                                   .marks = {30, 8}, .learners_json = "[]"});
}

// What the ledger's own reads say of every table.
std::string describe(Ledger& ledger) {
  std::string out;
  for_each_play(ledger, 0, [&](const StoredPlay& p) {
    out += "play " + std::to_string(p.play_id) + " " + p.play_key + " " + p.unit_id + " " +
           p.title_id + " " + std::to_string(p.ts) + " " +
           (p.seconds ? std::to_string(*p.seconds) : "-") + (p.completed ? " done\n" : "\n");
  });
  for (const Title& t : list_titles(ledger)) {
    out += "title " + t.title_id + " " + t.name + " " + t.default_variant_id.value_or("-");
    for (const auto& g : t.genres) out += " " + g;
    out += "\n";
    for (const Variant& v : list_variants(ledger, t.title_id, true)) {
      out += " variant " + v.variant_id + " " + v.status + "\n";
      if (auto f = latest_variant_features(ledger, v.variant_id)) {
        out += "  features " + f->features_json + " " + std::to_string(f->vector.size());
        for (double x : f->vector) out += " " + std::to_string(x);
        out += "\n";
      }
    }
    for (const CastMember& c : list_cast(ledger, t.title_id)) out += " cast " + c.actor_id + "\n";
  }
  for (const Headshot& h : list_headshots(ledger, "a1")) {
    out += "headshot " + std::to_string(h.headshot_id) + " " + h.storage_path + " " +
           std::to_string(h.descriptor.size()) + "\n";
  }
  for (const Experiment& e : list_experiments(ledger)) {
    out += "experiment " + e.experiment_id + " " + e.status + " " +
           std::to_string(e.started_at.value_or(-1)) + " " +
           std::to_string(e.stopped_at.value_or(-1)) + " arms " +
           std::to_string(e.arms.size()) + "\n";
  }
  for_each_exposure(ledger, {}, [&](const StoredExposure& e) {
    out += "exposure " + std::to_string(e.exposure_id) + " " + e.event_id + " " +
           std::to_string(e.ts) + " " + e.variant_id + " " + std::to_string(e.propensity) + " " +
           e.device.value_or("-") + " " + e.context_json + "\n";
  });
  for_each_reward(ledger, 0, [&](const StoredReward& r) {
    out += "reward " + std::to_string(r.reward_id) + " " + r.event_id + " " +
           std::to_string(r.value) + "\n";
  });
  for (const auto& s : list_model_snapshots(ledger)) {
    out += "snapshot " + std::to_string(s.snapshot_id) + " " +
           std::to_string(s.marks.last_exposure_id) + "\n";
  }
  return out;
}

TEST(LedgerCopy, EveryTableArrivesOnTheOtherBackendAndBack) {
  LedgerFixture f;
  fill(f);
  const std::string original = describe(f.ledger);
  // Into a SQLite file, and (on the PostgreSQL pass) from the database.
  Ledger copy = Ledger::open((f.dir / "copy.db").string());
  auto tables = copy_ledger(f.ledger, copy);
  ASSERT_EQ(tables.size(), copied_tables().size());
  EXPECT_EQ(tables[10].table, "exposures");
  EXPECT_EQ(tables[10].rows, 30);
  EXPECT_EQ(tables[11].rows, 8);
  EXPECT_EQ(describe(copy), original);
  // And back into a fresh ledger of the fixture's backend.
  testing::TestLedger again_where(f.dir, "again");
  Ledger again = Ledger::open(again_where.target());
  auto back = copy_ledger(copy, again);
  EXPECT_EQ(describe(again), original);
  for (size_t i = 0; i < tables.size(); ++i) EXPECT_EQ(back[i].sha256, tables[i].sha256);
  // New rows continue after the copied ids.
  EventWriter writer(again);
  Exposure next = LedgerFixture::exposure(hex_id(99), "t1", "t1-v1");
  ASSERT_EQ(writer.write(std::vector<Exposure>{next}, {}).exposures_written, 1u);
  EXPECT_EQ(find_exposure(again, hex_id(99))->exposure_id, 31);
}

TEST(LedgerCopy, RefusesADestinationThatIsNotEmpty) {
  LedgerFixture f;
  fill(f);
  testing::TestLedger other_where(f.dir, "other");
  Ledger other = Ledger::open(other_where.target());
  add_title(other, {.title_id = "mine", .name = "Mine"});
  std::string before = testing::dump_ledger(other_where.target());
  try {
    copy_ledger(f.ledger, other);
    FAIL() << "copied into a ledger that holds data";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(testing::dump_ledger(other_where.target()), before);
}

// The copy plan names every table of the schema: a new table must be added
// to it (or this fails).
TEST(LedgerCopy, CoversEveryTableOfTheSchema) {
  LedgerFixture f;
  Database& db = f.ledger.db();
  Statement tables = db.prepare(
      db.backend() == Backend::kSqlite
          ? "SELECT name FROM sqlite_master WHERE type = 'table'"
          : "SELECT c.relname::text FROM pg_class c WHERE c.relkind IN ('r', 'p') AND NOT "
            "c.relispartition AND c.relnamespace = current_schema()::regnamespace");
  std::set<std::string> schema;
  for (auto& t : tables.all([](const Statement& r) { return r.column_text(0); })) {
    schema.insert(t);
  }
  std::set<std::string> plan(copied_tables().begin(), copied_tables().end());
  plan.insert(tables_not_copied().begin(), tables_not_copied().end());
  EXPECT_EQ(plan, schema);
}

TEST(LedgerPrune, RemovesWholeDaysBeforeTheCutWithTheirRewards) {
  LedgerFixture f;
  fill(f);
  stop_experiment(f.ledger, "live");
  PruneResult r = prune_events_before(f.ledger, kDay0 + kDay);
  EXPECT_EQ(r.exposures, 10);
  EXPECT_EQ(r.rewards, 3);  // events 1, 5, 9
  if (f.ledger.db().backend() == Backend::kPostgres) {
    EXPECT_EQ(r.days_dropped, 1);
  }
  EXPECT_EQ(count_exposures(f.ledger), 20);
  EXPECT_EQ(count_rewards(f.ledger), 5);
  EXPECT_FALSE(find_exposure(f.ledger, hex_id(1)).has_value());
  EXPECT_TRUE(find_exposure(f.ledger, hex_id(11)).has_value());
  EXPECT_EQ(rewards_for_event(f.ledger, hex_id(13)).size(), 1u);
  // Again: nothing left before the cut.
  EXPECT_EQ(prune_events_before(f.ledger, kDay0 + kDay).exposures, 0);
  // New events still land on the pruned day (its partition comes back).
  EventWriter writer(f.ledger);
  Exposure late = LedgerFixture::exposure(hex_id(77), "t1", "t1-v1");
  late.ts = kDay0 + 5;
  EXPECT_EQ(writer.write(std::vector<Exposure>{late}, {}).exposures_written, 1u);
}

TEST(LedgerPrune, RefusedWhileARunningExperimentCoversTheDays) {
  LedgerFixture f;
  fill(f);  // "live" is running, started now: after every event day
  EXPECT_EQ(prune_events_before(f.ledger, kDay0 + kDay).exposures, 10);
  const int64_t after_live_started = (now_ms() / kDay + 1) * kDay;
  std::string before = testing::dump_ledger(f.path);
  try {
    prune_events_before(f.ledger, after_live_started);
    FAIL() << "pruned days a running experiment covers";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("'live'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(testing::dump_ledger(f.path), before);
  try {
    prune_events_before(f.ledger, kDay0 + kDay + 1);
    FAIL() << "a cut that is not a midnight";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalid);
  }
}

}  // namespace
}  // namespace keyart::ledger
