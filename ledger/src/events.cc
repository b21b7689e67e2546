#include "keyart/ledger/events.h"

#include <algorithm>
#include <array>

#include "keyart/engine/event_id.h"
#include "database.h"

namespace keyart::ledger {

namespace {

// Event ids are 32 hex digits in the API and 16 bytes in the ledger.
std::optional<engine::EventId> event_id_bytes(std::string_view hex) {
  engine::EventId id;
  if (!engine::parse_event_id(hex, id)) return std::nullopt;
  return id;
}

std::span<const uint8_t> as_span(const engine::EventId& id) { return {id.data(), id.size()}; }

std::string event_id_hex(const Statement& st, int column) {
  std::vector<uint8_t> blob = st.column_blob(column);
  if (blob.size() != 16) return {};
  engine::EventId id;
  std::copy(blob.begin(), blob.end(), id.begin());
  return engine::to_hex(id);
}

LedgerError bad_event_id(std::string_view hex) {
  return LedgerError(ErrorKind::kInvalid,
                     "event id '" + std::string(hex.substr(0, 64)) + "' is not 32 hex digits");
}

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

// Errors that mean the ledger itself failed: the whole batch must go.
bool ledger_failed(const LedgerError& error) {
  return error.kind() == ErrorKind::kIo || error.kind() == ErrorKind::kReadOnly ||
         error.kind() == ErrorKind::kBusy;
}

constexpr const char* kInsertReward =
    "INSERT INTO rewards (event_id, kind, value, ts) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (event_id, kind) DO NOTHING";

constexpr const char* kExposureColumns =
    "SELECT exposure_id, event_id, ts, experiment_id, arm_id, unit_id, title_id, variant_id, "
    "position, policy, model_version, propensity, device, country, hour, context, candidates "
    "FROM exposures ";

StoredExposure exposure_from_row(const Statement& st) {
  StoredExposure e;
  e.exposure_id = st.column_int(0);
  e.event_id = event_id_hex(st, 1);
  e.ts = st.column_int(2);
  e.experiment_id = st.column_optional_text(3);
  e.arm_id = st.column_optional_text(4);
  e.unit_id = st.column_text(5);
  e.title_id = st.column_text(6);
  e.variant_id = st.column_text(7);
  e.position = st.column_optional_int(8);
  e.policy = st.column_text(9);
  e.model_version = st.column_int(10);
  e.propensity = st.column_double(11);
  e.device = st.column_optional_text(12);
  e.country = st.column_optional_text(13);
  e.hour = st.column_optional_int(14);
  e.context_json = st.column_text(15);
  e.candidates_json = st.column_text(16);
  return e;
}

StoredReward reward_from_row(const Statement& st) {
  StoredReward r;
  r.reward_id = st.column_int(0);
  r.event_id = event_id_hex(st, 1);
  r.kind = st.column_text(2);
  r.value = st.column_double(3);
  r.ts = st.column_int(4);
  return r;
}

}  // namespace

struct EventWriter::Statements {
  Statement insert_exposure;   // one row
  Statement insert_exposures;  // a chunk of rows
  Statement insert_reward;
};

EventWriter::EventWriter(Ledger& ledger)
    : ledger_(ledger),
      statements_(new Statements{ledger.db().prepare(insert_exposures_sql(1)),
                                 ledger.db().prepare(insert_exposures_sql(kRowsPerStatement)),
                                 ledger.db().prepare(kInsertReward)}) {
  ledger.require_writable();
}

EventWriter::~EventWriter() = default;

bool EventWriter::insert_chunk(std::span<const Exposure> chunk) {
  Statement& st = statements_->insert_exposures;
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

void EventWriter::insert_one(const Exposure& e, size_t index, BatchResult& result) {
  Statement& st = statements_->insert_exposure;
  try {
    auto id = event_id_bytes(e.event_id);
    if (!id) throw bad_event_id(e.event_id);
    bind_exposure(st, 0, e, *id);
    st.run();
    ++result.exposures_written;
  } catch (const LedgerError& error) {
    st.reset();
    if (ledger_failed(error)) throw;  // keep nothing of this batch
    std::string reason =
        error.kind() == ErrorKind::kNotFound
            ? "exposure names an unknown title, variant or arm (title '" + e.title_id +
                  "', variant '" + e.variant_id + "', arm '" + e.arm_id.value_or("") + "')"
            : std::string(error.what());
    result.rejected.push_back({false, index, error.kind(), reason});
  }
}

BatchResult EventWriter::write(std::span<const Exposure> exposures,
                               std::span<const Reward> rewards) {
  BatchResult result;
  SqlTransaction tx(ledger_.db());
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
    Statement& st = statements_->insert_reward;
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
      std::string reason = error.kind() == ErrorKind::kNotFound
                               ? "no exposure with event id '" + r.event_id + "'"
                               : std::string(error.what());
      result.rejected.push_back({true, i, error.kind(), reason});
    }
  }
  tx.commit();
  return result;
}

size_t for_each_exposure(Ledger& ledger, const ExposureFilter& filter,
                         const std::function<void(const StoredExposure&)>& fn) {
  std::string sql = std::string(kExposureColumns) + "WHERE exposure_id > ?1";
  if (filter.experiment_id) sql += " AND experiment_id = ?2";
  if (filter.since_ms) sql += " AND ts >= ?3";
  if (filter.until_ms) sql += " AND ts < ?4";
  sql += filter.by_time ? " ORDER BY ts, exposure_id" : " ORDER BY exposure_id";
  Statement st = ledger.db().prepare(sql);
  st.bind(1, filter.after_exposure_id);
  if (filter.experiment_id) st.bind(2, *filter.experiment_id);
  if (filter.since_ms) st.bind(3, *filter.since_ms);
  if (filter.until_ms) st.bind(4, *filter.until_ms);
  size_t n = 0;
  while (st.step()) {
    fn(exposure_from_row(st));
    ++n;
  }
  return n;
}

size_t for_each_reward(Ledger& ledger, int64_t after_reward_id,
                       const std::function<void(const StoredReward&)>& fn) {
  Statement st = ledger.db().prepare(
      "SELECT reward_id, event_id, kind, value, ts FROM rewards WHERE reward_id > ? "
      "ORDER BY reward_id");
  st.bind(1, after_reward_id);
  size_t n = 0;
  while (st.step()) {
    fn(reward_from_row(st));
    ++n;
  }
  return n;
}

std::optional<StoredExposure> find_exposure(Ledger& ledger, std::string_view event_id) {
  auto id = event_id_bytes(event_id);
  if (!id) return std::nullopt;
  Statement& st = ledger.db().cached(std::string(kExposureColumns) + "WHERE event_id = ?");
  st.bind_blob(1, as_span(*id));
  return st.one(exposure_from_row);
}

std::vector<StoredReward> rewards_for_event(Ledger& ledger, std::string_view event_id) {
  auto id = event_id_bytes(event_id);
  if (!id) return {};
  Statement& st = ledger.db().cached(
      "SELECT reward_id, event_id, kind, value, ts FROM rewards WHERE event_id = ? "
      "ORDER BY reward_id");
  st.bind_blob(1, as_span(*id));
  return st.all(reward_from_row);
}

int64_t count_exposures(Ledger& ledger) {
  return ledger.db().query_int("SELECT count(*) FROM exposures");
}

int64_t count_rewards(Ledger& ledger) {
  return ledger.db().query_int("SELECT count(*) FROM rewards");
}

}  // namespace keyart::ledger
