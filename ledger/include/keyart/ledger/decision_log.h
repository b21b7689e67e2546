// The decision log's one owner: how an impression is stored in the ledger
// and read back. Serving, log import, the simulator's ledger writer,
// off-policy replay and the serving restart replay all go through here, so
// what is written is exactly what is read.
//
// An exposure row carries the request as JSON,
//   context   {"context": {NAME: number|string, ...},
//              "user":    {NAME: number|string, ...},
//              "repeat_of": "<event id>"}          (only for a churn repeat)
//   candidates ["<variant id>", ...]               (eligible, in order)
// plus the special context fields (engine/context_fields.h) copied into
// their own columns for segments. The title's features are genre_<g> and
// cast_<actor id> (1 each); a variant's bandit features are the
// "arm_features" object of its latest feature record.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/engine/learner.h"
#include "keyart/engine/named_features.h"
#include "keyart/engine/variant.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

// --- Writing ---------------------------------------------------------------

struct DecisionRecord {
  const engine::NamedFeatures* context = nullptr;
  const engine::NamedFeatures* user = nullptr;
  std::span<const engine::PreparedVariant* const> candidates;
  const engine::Decision* decision = nullptr;
  // Numeric user features the decision used beyond `user` (a viewer
  // profile's tastes), logged after user's own as part of "user". The
  // caller keeps the names out of `user`: a name twice would read back as
  // its later value.
  std::span<const std::pair<std::string, double>> more_user;
  // An exposure already encoded from the same context, user and more_user
  // for a decision that was not a churn repeat (an earlier tile of one
  // viewer's page): its logged request (context JSON, device, country,
  // hour) is copied instead of encoded again. Not used when this decision
  // is a churn repeat, whose JSON names the decision it repeats.
  const Exposure* same_request = nullptr;
};

// Fills the exposure's context and candidates JSON and its device, country
// and hour columns from a live decision.
void encode_decision(const DecisionRecord& record, Exposure& exposure);

// Copies the logged request (the context JSON and the columns taken from
// it: device, country, hour) of one exposure into another.
void copy_logged_request(const Exposure& from, Exposure& to);

// The same, for a decision known only by its parts (imported logs): the
// context JSON of these features, and the special fields' columns.
void encode_request(const engine::NamedFeatures& context, const engine::NamedFeatures& user,
                    Exposure& exposure);
std::string encode_candidates(std::span<const std::string> variant_ids);

// --- Reading ---------------------------------------------------------------

struct DecodedRequest {
  engine::NamedFeatures context, user;
  bool repeat = false;  // the row was a churn repeat of an earlier decision
};
// false (with the reason) when the text is not a context this log writes.
bool decode_request(std::string_view context_json, DecodedRequest& out, std::string& reason);

// Parses a candidates array into out (cleared first); false when the text is
// not a JSON array of strings. Reuses its buffers across calls.
class CandidatesDecoder {
 public:
  CandidatesDecoder();
  ~CandidatesDecoder();
  bool decode(std::string_view candidates_json, std::vector<std::string>& out);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

// --- The catalogue's features ----------------------------------------------

engine::NamedFeatures title_features(std::span<const std::string> genres,
                                     std::span<const std::string> actor_ids);
// A title's features from the ledger (empty when the title is unknown).
engine::NamedFeatures title_features(Ledger& ledger, std::string_view title_id);

// The bandit features in a stored feature record (its "arm_features"
// object), empty when there are none; and a record holding them.
engine::NamedFeatures arm_features_from_record(std::string_view features_json);
std::string arm_features_record(const engine::NamedFeatures& arm_features,
                                std::string_view source = {});
// A variant's bandit features from its latest feature record.
engine::NamedFeatures arm_features(Ledger& ledger, std::string_view variant_id);

// --- Replay -----------------------------------------------------------------

// What replay needs to know of the catalogue (the serving cache or the
// ledger itself): a title's features and default variant, a variant's
// prepared features (nullptr when the catalogue has no such variant). The
// pointers stay valid while the lookup lives.
class DecisionCatalog {
 public:
  virtual ~DecisionCatalog() = default;
  virtual const engine::NamedFeatures* title_features(std::string_view title_id) = 0;
  virtual std::string_view default_variant(std::string_view title_id) = 0;
  virtual const engine::PreparedVariant* variant(std::string_view variant_id) = 0;
};

// The catalogue read from the ledger on first use of each title and variant.
class LedgerDecisionCatalog final : public DecisionCatalog {
 public:
  explicit LedgerDecisionCatalog(Ledger& ledger);
  ~LedgerDecisionCatalog() override;
  const engine::NamedFeatures* title_features(std::string_view title_id) override;
  std::string_view default_variant(std::string_view title_id) override;
  const engine::PreparedVariant* variant(std::string_view variant_id) override;

 private:
  struct Cache;
  Ledger& ledger_;
  std::unique_ptr<Cache> cache_;
};

// Rebuilds what the learner saw when it decided; nullopt (with the reason)
// when the row cannot be replayed (a candidate no longer known, the shown
// variant missing, a context that does not parse).
std::optional<engine::LoggedDecision> logged_decision(const StoredExposure& row,
                                                      DecisionCatalog& catalog,
                                                      std::string& reason);

}  // namespace keyart::ledger
