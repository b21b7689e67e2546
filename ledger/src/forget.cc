#include "keyart/ledger/forget.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>

#include "database.h"
#include "keyart/engine/learner.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/model_snapshots.h"

namespace keyart::ledger {

namespace {

// HMAC-SHA256 of the unit id under a fresh random key, which is then
// forgotten too; the first 16 bytes, as hex.
std::string pseudonym_of(std::string_view unit_id) {
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) {
    throw LedgerError(ErrorKind::kIo, "cannot draw a random key for the pseudonym");
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(unit_id.data()),
           unit_id.size(), mac, &length);
  OPENSSL_cleanse(key, sizeof key);
  if (!ok || length < 16) throw LedgerError(ErrorKind::kIo, "cannot compute the pseudonym");
  std::string out = "forgotten-";
  char hex[3];
  for (unsigned i = 0; i < 16; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", mac[i]);
    out += hex;
  }
  return out;
}

}  // namespace

ForgetResult forget_viewer(Ledger& ledger, std::string_view unit_id) {
  if (unit_id.empty()) throw LedgerError(ErrorKind::kInvalid, "which viewer? the unit id is empty");
  ledger.require_writable();
  Database& db = ledger.db();
  const bool sqlite = db.backend() == Backend::kSqlite;
  ForgetResult result;
  result.pseudonym = pseudonym_of(unit_id);
  // Freed cells are overwritten with zeros, so the old rows' bytes go too.
  if (sqlite) db.exec("PRAGMA secure_delete = ON");
  {
    Transaction tx(ledger);
    Statement plays = db.prepare("DELETE FROM plays WHERE unit_id = ?1");
    plays.bind(1, unit_id).run();
    result.plays = plays.changes();
    Statement exposures = db.prepare("UPDATE exposures SET unit_id = ?1 WHERE unit_id = ?2");
    exposures.bind(1, result.pseudonym).bind(2, unit_id).run();
    result.exposures = exposures.changes();
    std::vector<std::string> titles;
    for (const Title& t : list_titles(ledger)) titles.push_back(t.title_id);
    RewrittenBundles rewritten = rewrite_model_bundles(ledger, [&](engine::ModelBundle& bundle) {
      bool changed = false;
      for (auto& part : bundle.learners) {
        auto learner = engine::Learner::from_snapshot(part.snapshot);
        if (learner->forget_unit(unit_id, titles) == 0) continue;
        part.snapshot = learner->snapshot();
        changed = true;
      }
      return changed;
    });
    result.snapshots = rewritten.rewritten;
    tx.commit();
    for (const auto& path : rewritten.unused_files) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }
  if (sqlite) {
    // The write-ahead log still holds the pages as they were: copy back and
    // truncate it (busy while another connection reads an older snapshot).
    Statement checkpoint = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    result.files_clean = checkpoint.step() && checkpoint.column_int(0) == 0;
    checkpoint.reset();
    db.exec("PRAGMA secure_delete = OFF");
  } else {
    db.exec("VACUUM plays");
    db.exec("VACUUM exposures");
  }
  return result;
}

}  // namespace keyart::ledger
