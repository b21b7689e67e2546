// The PostgreSQL batch writer (batch_writer.h). A batch's exposures are
// COPYed straight into the partitioned table under a savepoint; when a row
// breaks a rule that is undone and they are COPYed into a session-local
// staging table instead. Staged exposures, and rewards (which find their
// exposure's ts there), move into the partitioned tables with one
// INSERT ... SELECT each, so a batch costs a handful of round trips whatever
// its size. Duplicates are skipped by ON CONFLICT and reported. When the
// set-based insert breaks a rule (an unknown variant, a CHECK, an event id
// taken on another day), it is undone to a savepoint and the batch is
// written row by row, each row under its own savepoint, so only the bad
// rows are rejected, as on SQLite.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "batch_writer.h"
#include "copy_text.h"
#include "postgres.h"

namespace keyart::ledger {

namespace {

constexpr const char* kExposureColumns =
    "event_id, ts, experiment_id, arm_id, unit_id, title_id, variant_id, position, policy, "
    "model_version, propensity, device, country, hour, context, candidates";

constexpr const char* kCreateStaging =
    "CREATE TEMP TABLE IF NOT EXISTS keyart_stage_exposures (idx BIGINT, event_id BYTEA, "
    "ts BIGINT, experiment_id TEXT, arm_id TEXT, unit_id TEXT, title_id TEXT, variant_id TEXT, "
    "position BIGINT, policy TEXT, model_version BIGINT, propensity DOUBLE PRECISION, "
    "device TEXT, country TEXT, hour BIGINT, context TEXT, candidates TEXT); "
    "CREATE TEMP TABLE IF NOT EXISTS keyart_stage_rewards (idx BIGINT, event_id BYTEA, "
    "kind TEXT, value DOUBLE PRECISION, ts BIGINT)";

constexpr int64_t kDayMs = 86'400'000;

// PostgreSQL text cannot hold a NUL byte; SQLite's can. Such a row is
// rejected on its own rather than failing the COPY.
bool has_nul(const Exposure& e) {
  auto nul = [](std::string_view s) { return s.find('\0') != std::string_view::npos; };
  auto nul_opt = [&](const std::optional<std::string>& s) { return s && nul(*s); };
  return nul(e.unit_id) || nul(e.title_id) || nul(e.variant_id) || nul(e.policy) ||
         nul(e.context_json) || nul(e.candidates_json) || nul_opt(e.experiment_id) ||
         nul_opt(e.arm_id) || nul_opt(e.device) || nul_opt(e.country);
}

std::string duplicate_exposure(const Exposure& e) {
  return "an exposure with event id '" + e.event_id + "' is already in the ledger";
}

std::string hex_of(const engine::EventId& id) { return engine::to_hex(id); }

// bytea's text output ("\x00ff...") as the API's 32 hex digits.
std::string hex_of_bytea(std::string_view text) {
  return text.starts_with("\\x") ? std::string(text.substr(2)) : std::string(text);
}

class PostgresBatchWriter final : public BatchWriter {
 public:
  explicit PostgresBatchWriter(PgDatabase& db) : db_(db) {}

  BatchResult write(std::span<const Exposure> exposures, std::span<const Reward> rewards,
                    std::span<const Play> plays) override {
    BatchResult result;
    SqlTransaction tx(db_);
    // One batch writer at a time (schema_postgres.sql); waits at most the
    // ledger's lock timeout, then kBusy.
    db_.exec("SELECT keyart_lock_event_writers()");
    // Session-local; created in this transaction if this session has none.
    db_.exec(kCreateStaging);
    write_exposures(exposures, result);
    write_rewards(rewards, result);
    write_plays(db_, plays, result);
    tx.commit();
    std::stable_sort(result.rejected.begin(), result.rejected.end(),
                     [](const BatchResult::Rejected& a, const BatchResult::Rejected& b) {
                       return std::tie(a.is_play, a.is_reward, a.index) <
                              std::tie(b.is_play, b.is_reward, b.index);
                     });
    return result;
  }

 private:
  // Runs fn under a savepoint: undone (and false returned) when it breaks
  // a rule; an error of the ledger itself propagates.
  template <typename Fn>
  bool under_savepoint(const char* name, Fn&& fn, LedgerError* rule_broken = nullptr) {
    db_.exec(std::string("SAVEPOINT ") + name);
    try {
      fn();
      db_.exec(std::string("RELEASE SAVEPOINT ") + name);
      return true;
    } catch (const LedgerError& error) {
      if (ledger_failed(error)) throw;
      db_.exec(std::string("ROLLBACK TO SAVEPOINT ") + name + "; RELEASE SAVEPOINT " + name);
      if (rule_broken) *rule_broken = error;
      return false;
    }
  }

  void ensure_days(std::span<const Exposure> exposures, const std::vector<size_t>& rows) {
    std::set<int64_t> days;
    for (size_t i : rows) {
      if (exposures[i].ts >= 0) days.insert(exposures[i].ts / kDayMs);
    }
    Statement& st = db_.cached("SELECT keyart_ensure_days(?, ?)");
    for (int64_t day : days) {
      st.bind(1, day * kDayMs).bind(2, day * kDayMs);
      st.run();
    }
  }

  // The rows as COPY text, in kExposureColumns' order; with_index: led by
  // the row's index in the batch (the staging table's idx).
  static CopyRows exposure_rows(std::span<const Exposure> exposures,
                                const std::vector<engine::EventId>& ids,
                                const std::vector<size_t>& rows, bool with_index) {
    CopyRows copy;
    for (size_t i : rows) {
      const Exposure& e = exposures[i];
      if (with_index) copy.field(static_cast<int64_t>(i));
      copy.bytes({ids[i].data(), ids[i].size()});
      copy.field(e.ts);
      copy.field(e.experiment_id);
      copy.field(e.arm_id);
      copy.field(std::string_view(e.unit_id));
      copy.field(std::string_view(e.title_id));
      copy.field(std::string_view(e.variant_id));
      copy.field(e.position);
      copy.field(std::string_view(e.policy));
      copy.field(e.model_version);
      copy.field(e.propensity);
      copy.field(e.device);
      copy.field(e.country);
      copy.field(e.hour);
      copy.field(std::string_view(e.context_json));
      copy.field(std::string_view(e.candidates_json));
      copy.end_row();
    }
    return copy;
  }

  void write_exposures(std::span<const Exposure> exposures, BatchResult& result) {
    std::vector<size_t> rows;
    std::vector<engine::EventId> ids(exposures.size());
    for (size_t i = 0; i < exposures.size(); ++i) {
      auto id = event_id_bytes(exposures[i].event_id);
      if (!id) {
        LedgerError error = bad_event_id(exposures[i].event_id);
        result.rejected.push_back({false, false, i, error.kind(), error.what()});
      } else if (has_nul(exposures[i])) {
        result.rejected.push_back(
            {false, false, i, ErrorKind::kInvalid, "exposure text contains a NUL byte"});
      } else {
        ids[i] = *id;
        rows.push_back(i);
      }
    }
    if (rows.empty()) return;
    ensure_days(exposures, rows);
    // Straight into the table first: when no row breaks a rule (nearly
    // always) that is the whole write. Otherwise it is undone and the batch
    // goes through the staging table, which finds the duplicate and bad rows.
    const bool direct = under_savepoint("keyart_direct", [&] {
      db_.copy_in(std::string("COPY exposures (") + kExposureColumns + ") FROM STDIN",
                  exposure_rows(exposures, ids, rows, false).text());
    });
    if (direct) {
      result.exposures_written += rows.size();
      return;
    }
    std::vector<std::string> inserted;
    bool all_at_once = under_savepoint("keyart_batch", [&] {
      const CopyRows copy = exposure_rows(exposures, ids, rows, true);
      db_.exec("TRUNCATE keyart_stage_exposures");
      db_.copy_in("COPY keyart_stage_exposures FROM STDIN", copy.text());
      Statement& st = db_.cached(std::string("INSERT INTO exposures (") + kExposureColumns +
                                 ") SELECT " + kExposureColumns +
                                 " FROM keyart_stage_exposures ORDER BY idx "
                                 "ON CONFLICT DO NOTHING RETURNING event_id");
      inserted = st.all([](const Statement& row) {
        return hex_of_bytea(row.column_text_view(0));
      });
    });
    if (all_at_once) {
      // The first row of each inserted id went in; every other row was a
      // duplicate (of a row in the ledger or earlier in the batch).
      std::unordered_map<std::string, int> fresh;
      for (auto& hex : inserted) ++fresh[hex];
      for (size_t i : rows) {
        auto it = fresh.find(hex_of(ids[i]));
        if (it != fresh.end() && it->second > 0) {
          --it->second;
          ++result.exposures_written;
        } else {
          result.rejected.push_back({false, false, i, ErrorKind::kConflict,
                                     duplicate_exposure(exposures[i])});
        }
      }
      return;
    }
    for (size_t i : rows) insert_one(exposures[i], ids[i], i, result);
  }

  void insert_one(const Exposure& e, const engine::EventId& id, size_t index,
                  BatchResult& result) {
    LedgerError error(ErrorKind::kInternal, "");
    bool written = false;
    bool ok = under_savepoint("keyart_row", [&] {
      Statement& st = db_.cached(std::string("INSERT INTO exposures (") + kExposureColumns +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT DO NOTHING RETURNING exposure_id");
      st.bind_blob(1, {id.data(), id.size()})
          .bind(2, e.ts)
          .bind(3, e.experiment_id)
          .bind(4, e.arm_id)
          .bind(5, e.unit_id)
          .bind(6, e.title_id)
          .bind(7, e.variant_id)
          .bind(8, e.position)
          .bind(9, e.policy)
          .bind(10, e.model_version)
          .bind(11, e.propensity)
          .bind(12, e.device)
          .bind(13, e.country)
          .bind(14, e.hour)
          .bind(15, e.context_json)
          .bind(16, e.candidates_json);
      written = st.one([](const Statement& row) { return row.column_int(0); }).has_value();
    }, &error);
    if (ok && written) {
      ++result.exposures_written;
    } else if (ok) {
      result.rejected.push_back({false, false, index, ErrorKind::kConflict,
                                 duplicate_exposure(e)});
    } else {
      result.rejected.push_back({false, false, index, error.kind(), exposure_rejection(e, error)});
    }
  }

  void write_rewards(std::span<const Reward> rewards, BatchResult& result) {
    std::vector<size_t> rows;
    std::vector<engine::EventId> ids(rewards.size());
    for (size_t i = 0; i < rewards.size(); ++i) {
      auto id = event_id_bytes(rewards[i].event_id);
      if (!id) {
        LedgerError error = bad_event_id(rewards[i].event_id);
        result.rejected.push_back({true, false, i, error.kind(), error.what()});
      } else if (rewards[i].kind.find('\0') != std::string::npos) {
        result.rejected.push_back({true, false, i, ErrorKind::kInvalid, "reward kind contains a NUL byte"});
      } else {
        ids[i] = *id;
        rows.push_back(i);
      }
    }
    if (rows.empty()) return;
    std::vector<std::pair<std::string, std::string>> inserted;  // (event id, kind)
    std::set<std::string> unknown;
    bool all_at_once = under_savepoint("keyart_batch", [&] {
      CopyRows copy;
      for (size_t i : rows) {
        copy.field(static_cast<int64_t>(i));
        copy.bytes({ids[i].data(), ids[i].size()});
        copy.field(std::string_view(rewards[i].kind));
        copy.field(rewards[i].value);
        copy.field(rewards[i].ts);
        copy.end_row();
      }
      db_.exec("TRUNCATE keyart_stage_rewards");
      db_.copy_in("COPY keyart_stage_rewards FROM STDIN", copy.text());
      Statement& st = db_.cached(
          "INSERT INTO rewards (event_id, exposure_ts, kind, value, ts) "
          "SELECT s.event_id, e.ts, s.kind, s.value, s.ts FROM keyart_stage_rewards s "
          "JOIN exposures e ON e.event_id = s.event_id ORDER BY s.idx "
          "ON CONFLICT DO NOTHING RETURNING event_id, kind");
      inserted = st.all([](const Statement& row) {
        return std::make_pair(hex_of_bytea(row.column_text_view(0)), row.column_text(1));
      });
      Statement& missing = db_.cached(
          "SELECT DISTINCT s.event_id FROM keyart_stage_rewards s WHERE NOT EXISTS "
          "(SELECT 1 FROM exposures e WHERE e.event_id = s.event_id)");
      for (auto& hex : missing.all([](const Statement& row) {
             return hex_of_bytea(row.column_text_view(0));
           })) {
        unknown.insert(std::move(hex));
      }
    });
    if (all_at_once) {
      std::map<std::pair<std::string, std::string>, int> fresh;
      for (auto& key : inserted) ++fresh[key];
      for (size_t i : rows) {
        std::string hex = hex_of(ids[i]);
        if (unknown.count(hex)) {
          result.rejected.push_back({true, false, i, ErrorKind::kNotFound,
                                     "no exposure with event id '" + rewards[i].event_id + "'"});
          continue;
        }
        auto it = fresh.find({hex, rewards[i].kind});
        if (it != fresh.end() && it->second > 0) {
          --it->second;
          ++result.rewards_written;
        } else {
          ++result.rewards_duplicate;
          result.duplicate_rewards.push_back(i);
        }
      }
      return;
    }
    for (size_t i : rows) reward_one(rewards[i], ids[i], i, result);
  }

  void reward_one(const Reward& r, const engine::EventId& id, size_t index,
                  BatchResult& result) {
    LedgerError error(ErrorKind::kInternal, "");
    enum { kWritten, kDuplicate, kUnknown } outcome = kWritten;
    bool ok = under_savepoint("keyart_row", [&] {
      std::span<const uint8_t> bytes{id.data(), id.size()};
      Statement& exposure_ts = db_.cached("SELECT ts FROM exposures WHERE event_id = ?");
      exposure_ts.bind_blob(1, bytes);
      auto ts = exposure_ts.one([](const Statement& row) { return row.column_int(0); });
      if (!ts) {
        outcome = kUnknown;
        return;
      }
      Statement& st = db_.cached(
          "INSERT INTO rewards (event_id, exposure_ts, kind, value, ts) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT DO NOTHING RETURNING reward_id");
      st.bind_blob(1, bytes).bind(2, *ts).bind(3, r.kind).bind(4, r.value).bind(5, r.ts);
      bool written = st.one([](const Statement& row) { return row.column_int(0); }).has_value();
      outcome = written ? kWritten : kDuplicate;
    }, &error);
    if (!ok) {
      result.rejected.push_back({true, false, index, error.kind(), reward_rejection(r, error)});
    } else if (outcome == kUnknown) {
      LedgerError missing(ErrorKind::kNotFound, "");
      result.rejected.push_back({true, false, index, ErrorKind::kNotFound, reward_rejection(r, missing)});
    } else if (outcome == kWritten) {
      ++result.rewards_written;
    } else {
      ++result.rewards_duplicate;
      result.duplicate_rewards.push_back(index);
    }
  }

  PgDatabase& db_;
};

}  // namespace

std::unique_ptr<BatchWriter> make_postgres_batch_writer(PgDatabase& db) {
  return std::make_unique<PostgresBatchWriter>(db);
}

}  // namespace keyart::ledger
