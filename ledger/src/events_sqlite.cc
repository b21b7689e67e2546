// The SQLite batch writer (batch_writer.h): multi-row INSERTs in one
// transaction, falling back to row-by-row inserts to reject just the bad
// rows of a chunk.
#include <algorithm>

#include "batch_writer.h"
#include "database.h"

namespace keyart::ledger {

namespace {

std::span<const uint8_t> as_span(const engine::EventId& id) { return {id.data(), id.size()}; }

// Exposures go in as multi-row INSERTs of kRowsPerStatement rows: one
// statement per chunk opens the table, index and foreign-key cursors once
// instead of once per row (+19-25 % rows per second, docs/BENCHMARKS.md). A chunk that
// breaks a rule fails as a whole (SQLite undoes the statement) and is then
// written row by row to find and reject just the bad rows; the tail of a
// batch shorter than a chunk is written row by row too.
constexpr size_t kRowsPerStatement = 32;
constexpr int kExposureParams = 16;  // the columns bind_exposure() binds

std::string insert_exposures_sql(size_t rows) {
  std::string sql =
      "INSERT INTO exposures (event_id, ts, experiment_id, arm_id, unit_id, title_id, "
      "variant_id, position, policy, model_version, propensity, device, country, hour, context, "
      "candidates) VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    sql.append(r > 0 ? ",(?" : "(?");
    for (int p = 1; p < kExposureParams; ++p) sql.append(",?");
    sql.push_back(')');
  }
  return sql;
}

// Binds e's 16 values from parameter first + 1 on (strings by reference).
void bind_exposure(Statement& st, int first, const Exposure& e, const engine::EventId& id) {
  st.bind_blob(first + 1, as_span(id))
      .bind(first + 2, e.ts)
      .bind_static(first + 3, e.experiment_id)
      .bind_static(first + 4, e.arm_id)
      .bind_static(first + 5, e.unit_id)
      .bind_static(first + 6, e.title_id)
      .bind_static(first + 7, e.variant_id)
      .bind(first + 8, e.position)
      .bind_static(first + 9, e.policy)
      .bind(first + 10, e.model_version)
      .bind(first + 11, e.propensity)
      .bind_static(first + 12, e.device)
      .bind_static(first + 13, e.country)
      .bind(first + 14, e.hour)
      .bind_static(first + 15, e.context_json)
      .bind_static(first + 16, e.candidates_json);
}

constexpr const char* kInsertReward =
    "INSERT INTO rewards (event_id, kind, value, ts) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (event_id, kind) DO NOTHING";

class SqliteBatchWriter final : public BatchWriter {
 public:
  explicit SqliteBatchWriter(Database& db)
      : db_(db),
        insert_exposure_(db.prepare(insert_exposures_sql(1))),
        insert_exposures_(db.prepare(insert_exposures_sql(kRowsPerStatement))),
        insert_reward_(db.prepare(kInsertReward)) {}
  BatchResult write(std::span<const Exposure> exposures, std::span<const Reward> rewards,
                    std::span<const Play> plays) override;

 private:
  // One multi-row INSERT of the whole chunk; false (nothing kept) when a
  // row breaks a rule.
  bool insert_chunk(std::span<const Exposure> chunk);
  // One row; a rule it breaks becomes a rejection in result.
  void insert_one(const Exposure& e, size_t index, BatchResult& result);

  Database& db_;
  Statement insert_exposure_;   // one row
  Statement insert_exposures_;  // a chunk of rows
  Statement insert_reward_;
};

bool SqliteBatchWriter::insert_chunk(std::span<const Exposure> chunk) {
  Statement& st = insert_exposures_;
  for (size_t r = 0; r < chunk.size(); ++r) {
    auto id = event_id_bytes(chunk[r].event_id);
    if (!id) {
      st.reset();
      return false;
    }
    bind_exposure(st, static_cast<int>(r) * kExposureParams, chunk[r], *id);
  }
  try {
    st.run();
    return true;
  } catch (const LedgerError& error) {
    st.reset();
    if (ledger_failed(error)) throw;
    return false;
  }
}

void SqliteBatchWriter::insert_one(const Exposure& e, size_t index, BatchResult& result) {
  Statement& st = insert_exposure_;
  try {
    auto id = event_id_bytes(e.event_id);
    if (!id) throw bad_event_id(e.event_id);
    bind_exposure(st, 0, e, *id);
    st.run();
    ++result.exposures_written;
  } catch (const LedgerError& error) {
    st.reset();
    if (ledger_failed(error)) throw;  // keep nothing of this batch
    result.rejected.push_back({false, false, index, error.kind(), exposure_rejection(e, error)});
  }
}

BatchResult SqliteBatchWriter::write(std::span<const Exposure> exposures,
                                     std::span<const Reward> rewards,
                                     std::span<const Play> plays) {
  BatchResult result;
  SqlTransaction tx(db_);
  for (size_t i = 0; i < exposures.size();) {
    if (exposures.size() - i >= kRowsPerStatement &&
        insert_chunk(exposures.subspan(i, kRowsPerStatement))) {
      result.exposures_written += kRowsPerStatement;
      i += kRowsPerStatement;
      continue;
    }
    // A chunk with a bad row, or the short tail: row by row.
    for (size_t end = std::min(exposures.size(), i + kRowsPerStatement); i < end; ++i) {
      insert_one(exposures[i], i, result);
    }
  }
  for (size_t i = 0; i < rewards.size(); ++i) {
    const Reward& r = rewards[i];
    Statement& st = insert_reward_;
    try {
      auto id = event_id_bytes(r.event_id);
      if (!id) throw bad_event_id(r.event_id);
      st.bind_blob(1, as_span(*id)).bind_static(2, r.kind).bind(3, r.value).bind(4, r.ts);
      st.run();
      if (st.changes() == 1) {
        ++result.rewards_written;
      } else {
        ++result.rewards_duplicate;
        result.duplicate_rewards.push_back(i);
      }
    } catch (const LedgerError& error) {
      st.reset();
      if (ledger_failed(error)) throw;
      result.rejected.push_back({true, false, i, error.kind(), reward_rejection(r, error)});
    }
  }
  write_plays(db_, plays, result);
  tx.commit();
  return result;
}

}  // namespace

std::unique_ptr<BatchWriter> make_sqlite_batch_writer(Database& db) {
  return std::make_unique<SqliteBatchWriter>(db);
}

}  // namespace keyart::ledger
