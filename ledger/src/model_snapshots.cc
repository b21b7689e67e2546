#include "keyart/ledger/model_snapshots.h"

#include "database.h"

namespace keyart::ledger {

int64_t record_model_snapshot(Ledger& ledger, const ModelSnapshotRecord& r) {
  ledger.require_writable();
  Database& db = ledger.db();
  SqlTransaction tx(db);
  Statement& insert = db.cached(
      "INSERT INTO model_snapshots (created_at, storage_path, sha256, bytes, last_exposure_id, "
      "last_reward_id, learners) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING snapshot_id");
  insert.bind_all(r.created_at, r.storage_path, r.sha256, r.bytes, r.marks.last_exposure_id,
                  r.marks.last_reward_id, r.learners_json);
  const int64_t id = *insert.one([](const Statement& row) { return row.column_int(0); });
  tx.commit();
  return id;
}

std::vector<ModelSnapshotRecord> list_model_snapshots(Ledger& ledger) {
  Statement st = ledger.db().prepare(
      "SELECT snapshot_id, created_at, storage_path, sha256, bytes, last_exposure_id, "
      "last_reward_id, learners FROM model_snapshots ORDER BY snapshot_id DESC");
  return st.all([](const Statement& s) {
    ModelSnapshotRecord r;
    r.snapshot_id = s.column_int(0);
    r.created_at = s.column_int(1);
    r.storage_path = s.column_text(2);
    r.sha256 = s.column_text(3);
    r.bytes = s.column_int(4);
    r.marks = {s.column_int(5), s.column_int(6)};
    r.learners_json = s.column_text(7);
    return r;
  });
}

}  // namespace keyart::ledger
