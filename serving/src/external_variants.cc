// Service::external_variants: the catalogue side of actions that come from
// outside with their features (Personalizer's Rank).
#include <mutex>
#include <shared_mutex>

#include "keyart/ledger/catalog.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/variants.h"
#include "service_impl.h"

namespace keyart::serving {

namespace {

constexpr const char* kExtractor = "external";  // the features' extractor version

// In one transaction: the variants of `out` not in the ledger yet, with
// their actions' features; `active` of those already there.
void add_missing(Service::Impl& s, const std::string& title_id,
                 const std::vector<ExternalAction>& actions, std::vector<ExternalVariant>& out) {
  std::lock_guard lock(s.ledger_mu);
  ledger::Transaction tx(*s.ledger);
  for (size_t i = 0; i < actions.size(); ++i) {
    if (auto v = ledger::find_variant(*s.ledger, out[i].variant_id)) {
      out[i].active = v->status == "active";
      continue;
    }
    ledger::add_variant(*s.ledger,
                        {.variant_id = out[i].variant_id, .title_id = title_id,
                         .kind = "external", .original_name = actions[i].id,
                         .uploaded_by = "external action"},
                        ledger::VariantFeatures{
                            .variant_id = out[i].variant_id,
                            .extractor_version = kExtractor,
                            .features_json =
                                ledger::arm_features_record(actions[i].features, kExtractor)});
  }
  tx.commit();
}

}  // namespace

std::vector<ExternalVariant> Service::external_variants(const std::string& title_id,
                                                        const std::vector<ExternalAction>& actions) {
  Impl& s = *impl_;
  std::vector<ExternalVariant> out;
  out.reserve(actions.size());
  bool missing = false;
  {
    auto catalog = s.current_catalog();
    if (!catalog->titles.count(title_id)) {
      ++s.not_found;
      throw ServiceError(404, "title_id", "no title '" + title_id + "'");
    }
    for (const ExternalAction& action : actions) {
      std::string id = ledger::external_variant_id(title_id, action.id);
      if (!ledger::is_valid_id(id)) {
        ++s.bad_requests;
        throw ServiceError(400, "actions", "action id '" + action.id.substr(0, 64) +
                                               "...' is too long for a variant id");
      }
      auto known = catalog->variants.find(id);
      if (known != catalog->variants.end() && known->second.title_id != title_id) {
        ++s.bad_requests;
        throw ServiceError(400, "actions", "action '" + action.id + "' is variant '" + id +
                                               "' of another title");
      }
      missing = missing || known == catalog->variants.end();
      out.push_back({std::move(id), known == catalog->variants.end() || known->second.active});
    }
  }
  if (!missing) return out;
  // Another request (or node) may add the same action meanwhile: the
  // ledger is asked again under the lock, a variant that appeared is taken
  // as it is, and a clash with another node's insert is tried once more.
  for (int attempt = 0;; ++attempt) {
    try {
      add_missing(s, title_id, actions, out);
      break;
    } catch (const ledger::LedgerError& e) {
      if (e.kind() == ledger::ErrorKind::kConflict && attempt == 0) continue;
      throw ServiceError(503, "", std::string("new actions could not be added: ") + e.what());
    }
  }
  reload();
  return out;
}

}  // namespace keyart::serving
