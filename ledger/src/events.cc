#include "keyart/ledger/events.h"

#include <algorithm>
#include <array>

#include "keyart/engine/event_id.h"
#include "batch_writer.h"
#include "database.h"
#include "postgres.h"

namespace keyart::ledger {

namespace {

std::span<const uint8_t> as_span(const engine::EventId& id) { return {id.data(), id.size()}; }

std::string event_id_hex(const Statement& st, int column) {
  std::vector<uint8_t> blob = st.column_blob(column);
  if (blob.size() != 16) return {};
  engine::EventId id;
  std::copy(blob.begin(), blob.end(), id.begin());
  return engine::to_hex(id);
}

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

std::optional<engine::EventId> event_id_bytes(std::string_view hex) {
  engine::EventId id;
  if (!engine::parse_event_id(hex, id)) return std::nullopt;
  return id;
}

LedgerError bad_event_id(std::string_view hex) {
  return LedgerError(ErrorKind::kInvalid,
                     "event id '" + std::string(hex.substr(0, 64)) + "' is not 32 hex digits");
}

bool ledger_failed(const LedgerError& error) {
  return error.kind() == ErrorKind::kIo || error.kind() == ErrorKind::kReadOnly ||
         error.kind() == ErrorKind::kBusy;
}

std::string exposure_rejection(const Exposure& e, const LedgerError& error) {
  return error.kind() == ErrorKind::kNotFound
             ? "exposure names an unknown title, variant or arm (title '" + e.title_id +
                   "', variant '" + e.variant_id + "', arm '" + e.arm_id.value_or("") + "')"
             : std::string(error.what());
}

std::string reward_rejection(const Reward& r, const LedgerError& error) {
  return error.kind() == ErrorKind::kNotFound ? "no exposure with event id '" + r.event_id + "'"
                                              : std::string(error.what());
}

EventWriter::EventWriter(Ledger& ledger) {
  ledger.require_writable();
  Database& db = ledger.db();
  writer_ = db.backend() == Backend::kSqlite
                ? make_sqlite_batch_writer(db)
                : make_postgres_batch_writer(static_cast<PgDatabase&>(db));
}

EventWriter::~EventWriter() = default;

BatchResult EventWriter::write(std::span<const Exposure> exposures,
                               std::span<const Reward> rewards, std::span<const Play> plays) {
  return writer_->write(exposures, rewards, plays);
}

size_t for_each_exposure(Ledger& ledger, const ExposureFilter& filter,
                         const std::function<void(const StoredExposure&)>& fn) {
  std::string sql = std::string(kExposureColumns) + "WHERE exposure_id > ?1";
  if (filter.experiment_id) sql += " AND experiment_id = ?2";
  if (filter.since_ms) sql += " AND ts >= ?3";
  if (filter.until_ms) sql += " AND ts < ?4";
  sql += filter.by_time ? " ORDER BY ts, exposure_id" : " ORDER BY exposure_id";
  Statement st = ledger.db().prepare_scan(sql);
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
  Statement st = ledger.db().prepare_scan(
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
