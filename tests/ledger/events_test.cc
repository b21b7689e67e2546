// The batch EventWriter: rows committed together, bad rows rejected with a
// reason while the rest commits, duplicate rewards counted not stored, schema
// CHECKs on exposures, and reading the events back.
#include <gtest/gtest.h>

#include "sqlite.h"

#include <set>

#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/plays.h"
#include "support/ledger_fixture.h"
#include "support/ledger_dump.h"

namespace keyart::ledger {
namespace {

using testing::hex_id;
using testing::LedgerFixture;

TEST(Events, BatchRoundTrip) {
  LedgerFixture f;
  f.add_title("t1", 3);
  f.add_running_experiment("e1", {"a", "b"});
  std::vector<Exposure> exposures;
  for (int i = 0; i < 100; ++i) {
    Exposure e = LedgerFixture::exposure(hex_id(i), "t1", "t1-v" + std::to_string(1 + i % 3));
    e.experiment_id = "e1";
    e.arm_id = i % 2 ? "a" : "b";
    e.ts += i;
    e.device = "tv";
    e.country = "KR";
    e.hour = i % 24;
    e.context_json = R"({"device":"tv"})";
    e.candidates_json = R"(["t1-v1","t1-v2","t1-v3"])";
    exposures.push_back(e);
  }
  std::vector<Reward> rewards = {{hex_id(3), "click", 1, 1}, {hex_id(3), "play", 2, 2},
                                 {hex_id(7), "click", 1, 3}};
  EventWriter writer(f.ledger);
  BatchResult r = writer.write(exposures, rewards);
  EXPECT_EQ(r.exposures_written, 100u);
  EXPECT_EQ(r.rewards_written, 3u);
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(count_exposures(f.ledger), 100);
  EXPECT_EQ(count_rewards(f.ledger), 3);

  auto e3 = find_exposure(f.ledger, hex_id(3));
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->variant_id, "t1-v1");
  EXPECT_EQ(*e3->arm_id, "a");
  EXPECT_EQ(*e3->hour, 3);
  EXPECT_EQ(e3->candidates_json, R"(["t1-v1","t1-v2","t1-v3"])");
  EXPECT_EQ(rewards_for_event(f.ledger, hex_id(3)).size(), 2u);

  size_t seen = for_each_exposure(f.ledger, {.experiment_id = "e1", .after_exposure_id = 90},
                                  [](const StoredExposure& e) { EXPECT_GT(e.exposure_id, 90); });
  EXPECT_EQ(seen, 10u);
  size_t in_range = for_each_exposure(
      f.ledger, {.since_ms = exposures[10].ts, .until_ms = exposures[20].ts},
      [](const StoredExposure&) {});
  EXPECT_EQ(in_range, 10u);
  std::vector<std::string> kinds;
  for_each_reward(f.ledger, 0, [&](const StoredReward& r) { kinds.push_back(r.kind); });
  EXPECT_EQ(kinds, (std::vector<std::string>{"click", "play", "click"}));
}

// A time range over every experiment (the CUPED window's scan) finds the
// exposures of each experiment and those outside any, and only those in
// the range, whichever way the backend reads them.
TEST(Events, TimeRangeScanCoversEveryExperimentAndNone) {
  LedgerFixture f;
  f.add_title("t1", 1);
  f.add_running_experiment("e1", {"a"});
  ledger::stop_experiment(f.ledger, "e1");  // two running on one title is refused
  f.add_running_experiment("e2", {"b"});
  std::vector<Exposure> exposures;
  for (int i = 0; i < 90; ++i) {
    Exposure e = LedgerFixture::exposure(hex_id(i), "t1", "t1-v1");
    if (i % 3 == 1) e.experiment_id = "e1", e.arm_id = "a";
    if (i % 3 == 2) e.experiment_id = "e2", e.arm_id = "b";
    e.ts += i;
    exposures.push_back(e);
  }
  EventWriter(f.ledger).write(exposures, {});
  std::multiset<std::string> seen;
  const size_t n = scan_exposures(
      f.ledger, {.fields = kFieldEventId | kFieldExperiment, .since_ms = exposures[30].ts,
                 .until_ms = exposures[60].ts},
      [&](const ExposureView& x) {
        seen.insert(std::string(x.experiment_id.empty() ? "-" : x.experiment_id));
      });
  EXPECT_EQ(n, 30u);
  EXPECT_EQ(seen.count("-"), 10u);
  EXPECT_EQ(seen.count("e1"), 10u);
  EXPECT_EQ(seen.count("e2"), 10u);
}

// A scan longer than several read batches (PostgreSQL reads 20,000 rows a
// FETCH and sends the next one ahead) keeps every row, once and in order,
// while the callback runs statements and a whole nested scan on the same
// connection.
TEST(Events, LongScanKeepsItsRowsWhileTheCallbackQueries) {
  LedgerFixture f;
  f.add_title("t1", 1);
  constexpr int kRows = 45'000;
  std::vector<Exposure> exposures;
  for (int i = 0; i < kRows; ++i) {
    Exposure e = LedgerFixture::exposure(hex_id(i), "t1", "t1-v1");
    e.ts += i;
    exposures.push_back(e);
  }
  EventWriter(f.ledger).write(exposures, {});
  int64_t last_ts = -1;
  size_t in_order = 0, nested = 0;
  int64_t counted = 0;
  const size_t n = scan_exposures(
      f.ledger, {.fields = kFieldTs, .order = ExposureScan::Order::kLogged},
      [&](const ExposureView& x) {
        if (x.ts == last_ts + 1 || last_ts < 0) ++in_order;
        last_ts = x.ts;
        if (in_order == 5 || in_order == 20'001 || in_order == 40'002) counted += count_exposures(f.ledger);
        if (in_order == 30'000) {
          nested = scan_exposures(f.ledger, {.fields = kFieldTs}, [](const ExposureView&) {});
        }
      });
  EXPECT_EQ(n, static_cast<size_t>(kRows));
  EXPECT_EQ(in_order, static_cast<size_t>(kRows));
  EXPECT_EQ(last_ts, exposures.back().ts);
  EXPECT_EQ(counted, 3 * kRows);
  EXPECT_EQ(nested, static_cast<size_t>(kRows));
}

// A scan given up in the middle (its callback throws while PostgreSQL's
// next FETCH is in flight) leaves the connection ready: no transaction left
// open, statements and writes work, and a new scan reads everything.
TEST(Events, AScanGivenUpHalfwayLeavesTheLedgerReady) {
  LedgerFixture f;
  f.add_title("t1", 1);
  std::vector<Exposure> exposures;
  for (int i = 0; i < 45'000; ++i) {
    Exposure e = LedgerFixture::exposure(hex_id(i), "t1", "t1-v1");
    e.ts += i;
    exposures.push_back(e);
  }
  EventWriter(f.ledger).write(exposures, {});
  size_t seen = 0;
  EXPECT_THROW(scan_exposures(f.ledger, {.fields = kFieldTs},
                              [&](const ExposureView&) {
                                if (++seen == 25'000) throw std::runtime_error("enough");
                              }),
               std::runtime_error);
  EXPECT_EQ(seen, 25'000u);
  EXPECT_EQ(count_exposures(f.ledger), 45'000);
  std::vector<Exposure> more = {LedgerFixture::exposure(hex_id(45'000), "t1", "t1-v1")};
  EXPECT_EQ(EventWriter(f.ledger).write(more, {}).exposures_written, 1u);
  EXPECT_EQ(scan_exposures(f.ledger, {.fields = kFieldTs}, [](const ExposureView&) {}), 45'001u);
}

TEST(Events, DuplicateRewardsCountedOnce) {
  LedgerFixture f;
  f.add_title("t1", 1);
  EventWriter writer(f.ledger);
  writer.write(std::vector<Exposure>{LedgerFixture::exposure(hex_id(1), "t1", "t1-v1")}, {});
  std::vector<Reward> twice = {{hex_id(1), "click", 1, 5}, {hex_id(1), "click", 1, 6}};
  BatchResult r = writer.write({}, twice);
  EXPECT_EQ(r.rewards_written, 1u);
  EXPECT_EQ(r.rewards_duplicate, 1u);
  r = writer.write({}, twice);
  EXPECT_EQ(r.rewards_written, 0u);
  EXPECT_EQ(r.rewards_duplicate, 2u);
  auto stored = rewards_for_event(f.ledger, hex_id(1));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].ts, 5);
}

TEST(Events, BadRowsRejectedRestCommits) {
  LedgerFixture f;
  f.add_title("t1", 2);
  f.add_title("t2", 1);
  f.add_running_experiment("e1", {"a"});
  std::vector<Exposure> batch;
  batch.push_back(LedgerFixture::exposure(hex_id(1), "t1", "t1-v1"));  // ok
  Exposure zero = LedgerFixture::exposure(hex_id(2), "t1", "t1-v1");
  zero.propensity = 0;
  batch.push_back(zero);
  Exposure above = LedgerFixture::exposure(hex_id(3), "t1", "t1-v1");
  above.propensity = 1.5;
  batch.push_back(above);
  batch.push_back(LedgerFixture::exposure(hex_id(4), "t1", "t2-v1"));  // other title's variant
  batch.push_back(LedgerFixture::exposure(hex_id(5), "nope", "t1-v1"));
  batch.push_back(LedgerFixture::exposure("not-hex", "t1", "t1-v1"));
  Exposure bad_arm = LedgerFixture::exposure(hex_id(6), "t1", "t1-v1");
  bad_arm.experiment_id = "e1";
  bad_arm.arm_id = "zzz";
  batch.push_back(bad_arm);
  Exposure half_arm = LedgerFixture::exposure(hex_id(7), "t1", "t1-v1");
  half_arm.experiment_id = "e1";
  batch.push_back(half_arm);
  batch.push_back(LedgerFixture::exposure(hex_id(1), "t1", "t1-v2"));  // duplicate event id
  batch.push_back(LedgerFixture::exposure(hex_id(8), "t1", "t1-v2"));  // ok
  std::vector<Reward> rewards = {{hex_id(1), "click", 1, 1},
                                 {hex_id(2), "click", 1, 1},   // its exposure was rejected
                                 {hex_id(8), "Click!", 1, 1},  // bad kind
                                 {hex_id(8), "click", 1, 1}};
  EventWriter writer(f.ledger);
  BatchResult r = writer.write(batch, rewards);
  EXPECT_EQ(r.exposures_written, 2u);
  EXPECT_EQ(r.rewards_written, 2u);
  ASSERT_EQ(r.rejected.size(), 10u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_FALSE(r.rejected[0].is_reward);
  EXPECT_EQ(r.rejected[2].kind, ErrorKind::kNotFound);
  EXPECT_NE(r.rejected[2].reason.find("unknown title, variant or arm"), std::string::npos)
      << r.rejected[2].reason;
  EXPECT_EQ(r.rejected[7].kind, ErrorKind::kConflict);  // duplicate event id
  EXPECT_TRUE(r.rejected[8].is_reward);
  EXPECT_NE(r.rejected[8].reason.find("no exposure"), std::string::npos);
  EXPECT_EQ(count_exposures(f.ledger), 2);
  EXPECT_EQ(count_rewards(f.ledger), 2);
}

// An event id is unique across the whole ledger, also when the second row
// is on another day (on PostgreSQL: another partition), in a later batch
// or in the same one; only that row is refused.
TEST(Events, EventIdTakenOnAnotherDayIsRefused) {
  LedgerFixture f;
  f.add_title("t1", 1);
  EventWriter writer(f.ledger);
  Exposure first = LedgerFixture::exposure(hex_id(1), "t1", "t1-v1");
  ASSERT_EQ(writer.write(std::vector<Exposure>{first}, {}).exposures_written, 1u);
  const int64_t day = 86'400'000;
  Exposure again = first;
  again.ts += 3 * day;
  Exposure fresh = LedgerFixture::exposure(hex_id(2), "t1", "t1-v1");
  fresh.ts += 3 * day;
  Exposure twice = LedgerFixture::exposure(hex_id(3), "t1", "t1-v1");
  Exposure twice_later = twice;
  twice_later.ts += 5 * day;
  BatchResult r = writer.write(std::vector<Exposure>{again, fresh, twice, twice_later}, {});
  EXPECT_EQ(r.exposures_written, 2u);
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].index, 0u);
  EXPECT_EQ(r.rejected[0].kind, ErrorKind::kConflict);
  EXPECT_EQ(r.rejected[1].index, 3u);
  EXPECT_EQ(r.rejected[1].kind, ErrorKind::kConflict);
  EXPECT_EQ(count_exposures(f.ledger), 3);
  EXPECT_EQ(find_exposure(f.ledger, hex_id(1))->ts, first.ts);
  EXPECT_EQ(find_exposure(f.ledger, hex_id(3))->ts, twice.ts);
}

// Large batches go in as multi-row statements of 32 rows; a bad row inside a
// chunk, on a chunk's first or last row, or in the short tail must reject
// that row alone and keep every other row, in order.
TEST(Events, BadRowsInsideLargeBatchesRejectedAlone) {
  LedgerFixture f;
  f.add_title("t1", 2);
  const std::set<int> bad = {0, 31, 32, 45, 63, 64, 65, 100, 101, 130};  // 131 rows
  std::vector<Exposure> batch;
  for (int i = 0; i < 131; ++i) {
    Exposure e = LedgerFixture::exposure(hex_id(1000 + i), "t1", "t1-v" + std::to_string(1 + i % 2));
    e.ts += i;
    e.position = i;
    if (bad.count(i)) {
      switch (i % 3) {
        case 0: e.propensity = 0; break;           // CHECK
        case 1: e.variant_id = "nope"; break;      // foreign key
        default: e.event_id = "xyz"; break;        // not an event id
      }
    }
    batch.push_back(e);
  }
  batch[90].event_id = batch[20].event_id;  // duplicate of an earlier good row
  EventWriter writer(f.ledger);
  BatchResult r = writer.write(batch, {});
  EXPECT_EQ(r.exposures_written, 131u - bad.size() - 1);
  std::vector<size_t> rejected;
  for (const auto& x : r.rejected) rejected.push_back(x.index);
  EXPECT_EQ(rejected,
            (std::vector<size_t>{0, 31, 32, 45, 63, 64, 65, 90, 100, 101, 130}));
  std::vector<int64_t> positions;
  for_each_exposure(f.ledger, {}, [&](const StoredExposure& e) { positions.push_back(*e.position); });
  std::vector<int64_t> expected;
  for (int i = 0; i < 131; ++i) {
    if (!bad.count(i) && i != 90) expected.push_back(i);
  }
  EXPECT_EQ(positions, expected);  // every good row once, in batch order
  auto row = find_exposure(f.ledger, hex_id(1000 + 33));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->variant_id, "t1-v2");
  EXPECT_EQ(row->ts, batch[33].ts);
}

TEST(Events, FailedCommitKeepsNothing) {
  LedgerFixture f;
  f.add_title("t1", 1);
  EventWriter writer(f.ledger);
  writer.write(std::vector<Exposure>{LedgerFixture::exposure(hex_id(1), "t1", "t1-v1")}, {});
  std::string before = testing::dump_ledger(f.path);
  // Another connection holds the write lock: the batch cannot begin (on
  // PostgreSQL, the lock that serialises exposure writers).
  Ledger other = Ledger::open(f.path, {.busy_timeout_ms = 10});
  testing::hold_write_lock(other);
  Ledger impatient = Ledger::open(f.path, {.busy_timeout_ms = 10});
  EventWriter blocked(impatient);
  try {
    blocked.write(std::vector<Exposure>{LedgerFixture::exposure(hex_id(2), "t1", "t1-v1")}, {});
    FAIL() << "wrote while another writer held the lock";
  } catch (const LedgerError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBusy);
  }
  other.db().exec("ROLLBACK");
  EXPECT_EQ(testing::dump_ledger(f.path), before);
}

}  // namespace
}  // namespace keyart::ledger

namespace keyart::ledger {
namespace {

// Plays go in with the batch, each bad one rejected on its own with its
// reason, and come back by viewer (in time order) and in commit order.
TEST(Plays, StoredWithTheBatchBadOnesRejectedAlone) {
  LedgerFixture f;
  f.add_title("t1", 1);
  f.add_title("t2", 1);
  auto play = [](std::string unit, std::string title, int64_t ts, std::optional<double> seconds,
                 bool completed) {
    return Play{play_key_of(unit, title, ts), unit, title, ts, seconds, completed};
  };
  std::vector<Play> plays = {
      play("u1", "t1", 2000, 1200.0, false),
      play("u1", "t2", 1000, std::nullopt, true),
      play("u2", "t1", 1500, 30.0, false),
      play("u1", "nope", 1000, std::nullopt, false),  // unknown title
      play("u1", "t1", -5, std::nullopt, false),      // before 1970
      play("u1", "t1", 3000, -1.0, false),            // negative seconds
      play("", "t1", 3000, std::nullopt, false),      // no viewer
  };
  plays.push_back(plays[0]);  // the same viewing again: stored, counted once by profiles
  plays.back().completed = true;
  Play bad_key = plays[0];
  bad_key.play_key = "xyz";
  plays.push_back(bad_key);
  const BatchResult r = EventWriter(f.ledger).write({}, {}, plays);
  EXPECT_EQ(r.plays_written, 4u);
  ASSERT_EQ(r.rejected.size(), 5u);
  for (const auto& rejected : r.rejected) EXPECT_TRUE(rejected.is_play);
  EXPECT_EQ(r.rejected[0].index, 3u);
  EXPECT_EQ(r.rejected[0].kind, ErrorKind::kNotFound);
  EXPECT_NE(r.rejected[0].reason.find("unknown title 'nope'"), std::string::npos);
  EXPECT_NE(r.rejected[1].reason.find("ts must not be negative"), std::string::npos);
  EXPECT_NE(r.rejected[2].reason.find("seconds"), std::string::npos);
  EXPECT_NE(r.rejected[3].reason.find("unit id"), std::string::npos);
  EXPECT_NE(r.rejected[4].reason.find("32 hex digits"), std::string::npos);
  EXPECT_EQ(count_plays(f.ledger), 4);

  std::vector<StoredPlay> u1;
  for_each_play_of(f.ledger, "u1", [&](const StoredPlay& p) { u1.push_back(p); });
  ASSERT_EQ(u1.size(), 3u);
  EXPECT_EQ(u1[0].title_id, "t2");  // by time
  EXPECT_TRUE(u1[0].completed);
  EXPECT_FALSE(u1[0].seconds);
  EXPECT_EQ(u1[1].play_key, plays[0].play_key);
  EXPECT_EQ(*u1[1].seconds, 1200.0);
  EXPECT_EQ(u1[2].play_key, plays[0].play_key);
  EXPECT_TRUE(u1[2].completed);
  std::vector<int64_t> ids;
  for_each_play(f.ledger, 0, [&](const StoredPlay& p) { ids.push_back(p.play_id); });
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(for_each_play(f.ledger, ids[1], [](const StoredPlay&) {}), 2u);
  // The key: the same report, the same key; any field changed, another.
  EXPECT_EQ(play_key_of("u1", "t1", 5), play_key_of("u1", "t1", 5));
  EXPECT_NE(play_key_of("u1", "t1", 5), play_key_of("u1", "t1", 6));
  EXPECT_NE(play_key_of("u1", "t1", 5), play_key_of("u2", "t1", 5));
  EXPECT_EQ(play_key_of("u1", "t1", 5).size(), 32u);
}

// A play known from a reward names only the exposure's event id: the
// ledger fills in its viewer, title and time, or refuses it without one.
TEST(Plays, APlayFromARewardTakesItsExposuresViewerTitleAndTime) {
  LedgerFixture f;
  f.add_title("t1", 1);
  Exposure e = LedgerFixture::exposure(hex_id(5), "t1", "t1-v1");
  e.unit_id = "u9";
  e.ts = 1'700'000'123'000;
  std::vector<Play> plays = {Play{hex_id(5), "", "", 0, std::nullopt, true},
                             Play{hex_id(6), "", "", 0, std::nullopt, false}};
  const BatchResult r = EventWriter(f.ledger).write(std::vector<Exposure>{e}, {}, plays);
  EXPECT_EQ(r.plays_written, 1u);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_NE(r.rejected[0].reason.find("no exposure with event id"), std::string::npos);
  std::vector<StoredPlay> stored;
  for_each_play_of(f.ledger, "u9", [&](const StoredPlay& p) { stored.push_back(p); });
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].title_id, "t1");
  EXPECT_EQ(stored[0].ts, 1'700'000'123'000);
  EXPECT_EQ(stored[0].play_key, hex_id(5));
  EXPECT_TRUE(stored[0].completed);
}

}  // namespace
}  // namespace keyart::ledger
