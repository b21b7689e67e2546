// The ledger's record of the serving hook's model snapshots: where each
// snapshot file is (relative to the ledger's files folder), its checksum and
// size, the ledger marks it was taken at (everything up to them is in the
// model) and the learners it holds. The files themselves are written by the
// caller (file_store.h); a record is added only after its file is complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace keyart::ledger
