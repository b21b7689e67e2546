#include "keyart/ledger/model_snapshots.h"

#include <algorithm>

#include "database.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/file_store.h"

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

namespace {

// Records newer than after_id, newest first, at most limit of them.
std::vector<ModelSnapshotRecord> snapshot_records(Ledger& ledger, int64_t after_id, int64_t limit) {
  Statement st = ledger.db().prepare(
      "SELECT snapshot_id, created_at, storage_path, sha256, bytes, last_exposure_id, "
      "last_reward_id, learners FROM model_snapshots WHERE snapshot_id > ? "
      "ORDER BY snapshot_id DESC LIMIT ?");
  st.bind_all(after_id, limit);
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

// A bundle's file is named for its writer ("<sha256>.<extension>"), so a
// reader looking for one writer's bundles skips the others' files unread
// (a trainer's checkpoints can be large). Bundles written before the
// trainer existed are the serving hook's, ".snap".
std::string extension_of(std::string_view writer) {
  if (writer == engine::kWrittenByTrainer) return "model";
  if (writer == engine::kTrainerCheckpoint) return "ckpt";
  return "snap";
}

bool stored_for(const ModelSnapshotRecord& record, std::string_view writer) {
  const std::string suffix = "." + extension_of(writer);
  const std::string& path = record.storage_path;
  return path.size() >= suffix.size() &&
         path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The record's bundle; nullopt when its file is missing, altered (checksum)
// or does not decode.
std::optional<engine::ModelBundle> read_intact_bundle(Ledger& ledger,
                                                      const ModelSnapshotRecord& record) {
  std::vector<uint8_t> raw;
  try {
    raw = read_file_bytes(ledger.files_dir() / record.storage_path, 8ull << 30);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (sha256_hex(raw) != record.sha256) return std::nullopt;
  return engine::decode_bundle({reinterpret_cast<const char*>(raw.data()), raw.size()});
}

// Writes the bundle as a file under <files>/models (content-addressed, named
// for its writer) and sets the record's storage_path, sha256 and bytes.
void store_bundle_file(Ledger& ledger, const engine::ModelBundle& bundle,
                       ModelSnapshotRecord& record) {
  const std::string bytes = engine::encode_bundle(bundle);
  const StoredFile stored =
      store_file(ledger.files_dir() / "models",
                 {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                 extension_of(engine::written_by(bundle)));
  record.storage_path = "models/" + stored.relative_path;
  record.sha256 = stored.sha256;
  record.bytes = static_cast<int64_t>(bytes.size());
}

}  // namespace

std::vector<ModelSnapshotRecord> list_model_snapshots(Ledger& ledger) {
  return snapshot_records(ledger, 0, INT64_MAX);
}

int64_t newest_model_snapshot_id(Ledger& ledger) {
  return ledger.db().query_int("SELECT COALESCE(MAX(snapshot_id), 0) FROM model_snapshots");
}

ModelSnapshotRecord store_model_bundle(Ledger& ledger, const engine::ModelBundle& bundle,
                                       const LedgerMarks& marks) {
  nlohmann::json scopes = nlohmann::json::array();
  for (const auto& learner : bundle.learners) scopes.push_back(learner.scope);
  ModelSnapshotRecord record{.created_at = now_ms(), .marks = marks, .learners_json = scopes.dump()};
  store_bundle_file(ledger, bundle, record);
  record.snapshot_id = record_model_snapshot(ledger, record);
  return record;
}

RewrittenBundles rewrite_model_bundles(Ledger& ledger,
                                       const std::function<bool(engine::ModelBundle&)>& change) {
  ledger.require_writable();
  RewrittenBundles out;
  std::vector<std::string> replaced;
  for (const ModelSnapshotRecord& record : list_model_snapshots(ledger)) {
    auto bundle = read_intact_bundle(ledger, record);
    if (!bundle || !change(*bundle)) continue;
    ModelSnapshotRecord rewritten = record;
    store_bundle_file(ledger, *bundle, rewritten);
    Statement& update = ledger.db().cached(
        "UPDATE model_snapshots SET storage_path = ?, sha256 = ?, bytes = ? WHERE snapshot_id = ?");
    update.bind_all(rewritten.storage_path, rewritten.sha256, rewritten.bytes, record.snapshot_id);
    update.run();
    replaced.push_back(record.storage_path);
    ++out.rewritten;
  }
  std::vector<std::string> in_use;
  for (const ModelSnapshotRecord& record : list_model_snapshots(ledger)) {
    in_use.push_back(record.storage_path);
  }
  for (const std::string& path : replaced) {
    if (std::find(in_use.begin(), in_use.end(), path) == in_use.end()) {
      out.unused_files.push_back(ledger.files_dir() / path);
    }
  }
  return out;
}

std::optional<StoredModelBundle> newest_model_bundle(
    Ledger& ledger, std::string_view writer,
    const std::function<bool(const engine::ModelBundle&)>& accept, int64_t after_id) {
  // Newest first: the newest intact one is nearly always the first.
  for (ModelSnapshotRecord& record : snapshot_records(ledger, after_id, INT64_MAX)) {
    if (!stored_for(record, writer)) continue;
    auto bundle = read_intact_bundle(ledger, record);
    if (!bundle || engine::written_by(*bundle) != writer || (accept && !accept(*bundle))) continue;
    return StoredModelBundle{std::move(record), std::move(*bundle)};
  }
  return std::nullopt;
}

}  // namespace keyart::ledger
