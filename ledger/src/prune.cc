#include "keyart/ledger/prune.h"

#include <string>
#include <vector>

#include "database.h"

namespace keyart::ledger {

namespace {

constexpr int64_t kDayMs = 86'400'000;

struct DayPartition {
  std::string exposures, rewards;
  int64_t day_start = 0;
};

// The exposures partitions entirely before the cut (named exposures_YYYYMMDD
// by keyart_ensure_days), with their rewards partitions.
std::vector<DayPartition> days_before(Database& db, int64_t before_ms) {
  Statement st = db.prepare(
      "SELECT c.relname, "
      "       (extract(epoch FROM to_date(substr(c.relname, 11), 'YYYYMMDD')) * 1000)::bigint "
      "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      "WHERE i.inhparent = 'exposures'::regclass ORDER BY c.relname");
  std::vector<DayPartition> out;
  while (st.step()) {
    DayPartition p{st.column_text(0), "", st.column_int(1)};
    if (p.day_start + kDayMs > before_ms) continue;
    p.rewards = "rewards_" + p.exposures.substr(std::string("exposures_").size());
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

PruneResult prune_events_before(Ledger& ledger, int64_t before_ms) {
  ledger.require_writable();
  if (before_ms < 0 || before_ms % kDayMs != 0) {
    throw LedgerError(ErrorKind::kInvalid,
                      "prune cuts at a UTC midnight (a date such as 2026-01-31)");
  }
  Database& db = ledger.db();
  SqlTransaction tx(db);
  if (db.backend() == Backend::kPostgres) db.exec("SELECT keyart_lock_event_writers()");
  Statement running = db.prepare(
      "SELECT experiment_id FROM experiments WHERE status = 'running' AND started_at < ? "
      "ORDER BY experiment_id LIMIT 1");
  running.bind(1, before_ms);
  if (auto id = running.one([](const Statement& row) { return row.column_text(0); })) {
    throw LedgerError(ErrorKind::kConflict,
                      "experiment '" + *id +
                          "' is running and covers days before the cut; stop it first "
                          "('keyart experiment stop " + *id + "')");
  }
  PruneResult result;
  Statement exposures = db.prepare("SELECT count(*) FROM exposures WHERE ts < ?");
  result.exposures = *exposures.bind(1, before_ms).one([](const Statement& r) {
    return r.column_int(0);
  });
  Statement rewards = db.prepare(
      "SELECT count(*) FROM rewards WHERE event_id IN "
      "(SELECT event_id FROM exposures WHERE ts < ?)");
  result.rewards = *rewards.bind(1, before_ms).one([](const Statement& r) {
    return r.column_int(0);
  });
  if (db.backend() == Backend::kSqlite) {
    db.cached("DELETE FROM rewards WHERE event_id IN (SELECT event_id FROM exposures WHERE ts < ?)")
        .bind(1, before_ms)
        .run();
    db.cached("DELETE FROM exposures WHERE ts < ?").bind(1, before_ms).run();
  } else {
    // A referenced partition must be detached before it can be dropped; the
    // rewards that reference it go first. Names come from the catalogue.
    for (const DayPartition& day : days_before(db, before_ms)) {
      db.exec("DROP TABLE IF EXISTS \"" + day.rewards + "\"");
      db.exec("ALTER TABLE exposures DETACH PARTITION \"" + day.exposures + "\"");
      db.exec("DROP TABLE \"" + day.exposures + "\"");
      ++result.days_dropped;
    }
  }
  tx.commit();
  return result;
}

}  // namespace keyart::ledger
