// The ledger's record of model snapshots (the serving hook's own, and the
// models a trainer publishes): where each snapshot file is (relative to the
// ledger's files folder), its checksum and size, the ledger marks it was
// taken at (everything up to them is in the model) and the learners it
// holds. A record is added only after its file is complete, so a reader
// never finds a record without its whole file (unless the file was altered
// or lost later: readers check the checksum and skip such a record).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/engine/model_bundle.h"

#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct ModelSnapshotRecord {
  int64_t snapshot_id = 0;      // set by the ledger
  int64_t created_at = 0;       // Unix ms
  std::string storage_path;     // relative to Ledger::files_dir()
  std::string sha256;           // of the file's bytes, 64 hex digits
  int64_t bytes = 0;
  LedgerMarks marks;            // the ledger head the snapshot includes
  std::string learners_json;    // JSON array of the learners' scopes
};

// Adds the record in its own transaction; returns its snapshot_id.
int64_t record_model_snapshot(Ledger& ledger, const ModelSnapshotRecord& record);

// Every record, newest first.
std::vector<ModelSnapshotRecord> list_model_snapshots(Ledger& ledger);

// The newest record's id, 0 when there is none (one indexed lookup: cheap
// enough to poll).
int64_t newest_model_snapshot_id(Ledger& ledger);

// Writes the bundle as a file under <files>/models (content-addressed,
// atomic, named for its writer: engine::written_by) and then its record
// (created_at = now); returns the record.
ModelSnapshotRecord store_model_bundle(Ledger& ledger, const engine::ModelBundle& bundle,
                                       const LedgerMarks& marks);

// The newest bundle of `writer` (engine::kWrittenBy...) newer than after_id
// whose file is intact (checksum) and whole, and which `accept` takes
// (empty: any); nullopt when there is none. Other writers' files are not
// read.
struct StoredModelBundle {
  ModelSnapshotRecord record;
  engine::ModelBundle bundle;
};
std::optional<StoredModelBundle> newest_model_bundle(
    Ledger& ledger, std::string_view writer,
    const std::function<bool(const engine::ModelBundle&)>& accept = {}, int64_t after_id = 0);

// Rewrites every stored bundle that `change` changes (it returns true when
// it did): the new bytes go to a new file and the record (same id, marks
// and learners) points at it, in the caller's transaction. Returns how many
// were rewritten and the files no record uses any more, for the caller to
// remove once the transaction has committed. A record whose file is
// missing, altered or undecodable is left as it is (readers skip it).
struct RewrittenBundles {
  int64_t rewritten = 0;
  std::vector<std::filesystem::path> unused_files;  // absolute
};
RewrittenBundles rewrite_model_bundles(Ledger& ledger,
                                       const std::function<bool(engine::ModelBundle&)>& change);

}  // namespace keyart::ledger
