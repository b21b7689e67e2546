#include "keyart/ledger/event_scan.h"

#include <unordered_set>

#include "keyart/engine/reward.h"

#include "database.h"

namespace keyart::ledger {

namespace {

struct FieldColumn {
  ExposureField field;
  const char* column;
};
// The columns a scan selects, in this order (only those asked for).
constexpr FieldColumn kColumns[] = {
    {kFieldExposureId, "exposure_id"}, {kFieldEventId, "event_id"},
    {kFieldTs, "ts"},                  {kFieldArm, "arm_id"},
    {kFieldUnit, "unit_id"},           {kFieldTitle, "title_id"},
    {kFieldVariant, "variant_id"},     {kFieldDevice, "device"},
    {kFieldCountry, "country"},        {kFieldHour, "hour"},
    {kFieldPropensity, "propensity"},  {kFieldContext, "context"},
    {kFieldCandidates, "candidates"}, {kFieldExperiment, "experiment_id"},
};

std::optional<std::string_view> optional_text(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return st.column_text_view(column);
}

// The event ids (16 bytes each) of the decisions marked deferred and never
// activated; read through the marks' own index (rewards_marks).
std::unordered_set<std::string> unshown_events(Ledger& ledger) {
  Statement st = ledger.db().prepare_scan(
      "SELECT kind, event_id FROM rewards WHERE kind IN ('_deferred', '_activated')");
  std::unordered_set<std::string> deferred, activated;
  while (st.step()) {
    auto id = st.column_blob_view(1);
    std::string key(reinterpret_cast<const char*>(id.data()), id.size());
    (st.column_text_view(0) == engine::kActivatedMark ? activated : deferred).insert(std::move(key));
  }
  for (const std::string& id : activated) deferred.erase(id);
  return deferred;
}

}  // namespace

size_t scan_exposures(Ledger& ledger, const ExposureScan& scan,
                      const std::function<void(const ExposureView&)>& fn) {
  std::unordered_set<std::string> unshown;
  if (!scan.include_unshown) unshown = unshown_events(ledger);
  const uint32_t fields = scan.fields | (unshown.empty() ? 0u : uint32_t{kFieldEventId});
  std::string sql = "SELECT ";
  int position[std::size(kColumns)];
  int selected = 0;
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    position[i] = -1;
    if (!(fields & kColumns[i].field)) continue;
    if (selected > 0) sql += ", ";
    sql += kColumns[i].column;
    position[i] = selected++;
  }
  if (selected == 0) sql += "1";
  // The experiment first: its rows come through the report index.
  const std::string columns = sql.substr(7);
  sql += " FROM exposures WHERE ";
  // A time range of every experiment: the index is sought once per
  // experiment and once for exposures outside any (the foreign key keeps
  // experiment_id among the experiments'), instead of read whole.
  const bool every_experiment = !scan.experiment_id && scan.experiment_ids.empty() && !scan.arm_id &&
                                scan.order == ExposureScan::Order::kAny &&
                                (scan.since_ms > 0 || scan.until_ms < INT64_MAX);
  if (every_experiment) {
    sql += "experiment_id IN (SELECT experiment_id FROM experiments) AND ts >= ?1 AND ts < ?2"
           " UNION ALL SELECT " + columns + " FROM exposures WHERE experiment_id IS NULL AND ";
  }
  if (scan.experiment_id) sql += "experiment_id = ?3 AND ";
  if (!scan.experiment_ids.empty()) {
    if (scan.experiment_ids.size() > 8) {
      throw LedgerError(ErrorKind::kInvalid, "a scan reads at most 8 experiments at once");
    }
    sql += "experiment_id IN (";
    for (size_t i = 0; i < scan.experiment_ids.size(); ++i) {
      sql += (i ? ", ?" : "?") + std::to_string(10 + i);
    }
    sql += ") AND ";
  }
  sql += "ts >= ?1 AND ts < ?2";
  if (scan.arm_id) sql += " AND arm_id = ?4";
  switch (scan.order) {
    case ExposureScan::Order::kAny: break;
    case ExposureScan::Order::kLogged: sql += " ORDER BY exposure_id"; break;
    // Ties in ts in the report index's order, so both backends hand rows
    // over in one order (and SQLite still reads the index without sorting).
    case ExposureScan::Order::kTime:
      sql += " ORDER BY ts, arm_id, unit_id, variant_id, event_id";
      break;
    case ExposureScan::Order::kTimeThenLogged: sql += " ORDER BY ts, exposure_id"; break;
  }
  Statement st = ledger.db().prepare_scan(sql);
  st.bind(1, scan.since_ms).bind(2, scan.until_ms);
  if (scan.experiment_id) st.bind(3, *scan.experiment_id);
  for (size_t i = 0; i < scan.experiment_ids.size(); ++i) {
    st.bind(static_cast<int>(10 + i), scan.experiment_ids[i]);
  }
  if (scan.arm_id) st.bind(4, *scan.arm_id);

  enum { kExposureId, kEventId, kTs, kArm, kUnit, kTitle, kVariant, kDevice, kCountry, kHour,
         kPropensity, kContext, kCandidates, kExperiment };
  ExposureView row;
  size_t n = 0;
  while (st.step()) {
    if (int c = position[kExposureId]; c >= 0) row.exposure_id = st.column_int(c);
    if (int c = position[kEventId]; c >= 0) row.event_id = st.column_blob_view(c);
    if (int c = position[kTs]; c >= 0) row.ts = st.column_int(c);
    if (int c = position[kArm]; c >= 0) row.arm_id = st.column_text_view(c);
    if (int c = position[kUnit]; c >= 0) row.unit_id = st.column_text_view(c);
    if (int c = position[kTitle]; c >= 0) row.title_id = st.column_text_view(c);
    if (int c = position[kVariant]; c >= 0) row.variant_id = st.column_text_view(c);
    if (int c = position[kDevice]; c >= 0) row.device = optional_text(st, c);
    if (int c = position[kCountry]; c >= 0) row.country = optional_text(st, c);
    if (int c = position[kHour]; c >= 0) row.hour = st.column_optional_int(c);
    if (int c = position[kPropensity]; c >= 0) row.propensity = st.column_double(c);
    if (int c = position[kContext]; c >= 0) row.context_json = st.column_text_view(c);
    if (int c = position[kCandidates]; c >= 0) row.candidates_json = st.column_text_view(c);
    if (int c = position[kExperiment]; c >= 0) row.experiment_id = optional_text(st, c).value_or("");
    if (!unshown.empty() &&
        unshown.count(std::string(reinterpret_cast<const char*>(row.event_id.data()),
                                  row.event_id.size()))) {
      continue;
    }
    fn(row);
    ++n;
  }
  return n;
}

size_t scan_rewards(Ledger& ledger, std::string_view kind,
                    const std::function<void(std::span<const uint8_t>, double)>& fn) {
  Statement st = ledger.db().prepare_scan("SELECT event_id, value FROM rewards WHERE kind = ?1");
  st.bind(1, kind);
  size_t n = 0;
  while (st.step()) {
    fn(st.column_blob_view(0), st.column_double(1));
    ++n;
  }
  return n;
}

std::vector<std::string> reward_kinds_of_experiment(Ledger& ledger, std::string_view experiment_id,
                                                    int limit) {
  // On SQLite, CROSS JOIN keeps rewards as the outer loop (its planner
  // takes the join order as written); PostgreSQL plans a plain JOIN itself.
  Database& db = ledger.db();
  Statement st = db.prepare(
      std::string("SELECT DISTINCT r.kind FROM rewards AS r ") +
      (db.backend() == Backend::kSqlite ? "CROSS JOIN" : "JOIN") +
      " exposures AS e ON e.event_id = r.event_id WHERE e.experiment_id = ?1 "
      "AND substr(r.kind, 1, 1) <> '_' ORDER BY r.kind LIMIT ?2");
  st.bind(1, experiment_id).bind(2, limit);
  return st.all([](const Statement& s) { return s.column_text(0); });
}

ExposureRange exposure_range(Ledger& ledger, std::string_view experiment_id) {
  Statement st = ledger.db().prepare(
      "SELECT count(*), coalesce(min(ts), 0), coalesce(max(ts), 0) FROM exposures "
      "WHERE experiment_id = ?1");
  st.bind(1, experiment_id);
  st.step();
  return {st.column_int(0), st.column_int(1), st.column_int(2)};
}

LedgerMarks ledger_marks(Ledger& ledger) {
  return {ledger.db().query_int("SELECT coalesce(max(exposure_id), 0) FROM exposures"),
          ledger.db().query_int("SELECT coalesce(max(reward_id), 0) FROM rewards")};
}

}  // namespace keyart::ledger
