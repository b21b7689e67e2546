// What every log import shares once its file is read (internal to
// analysis/): the actions as the title's external variants (ids by
// ledger::external_variant_id, checked for clashes), and the write itself,
// in ONE transaction: the title (created when new), the variants with their
// features, a stopped experiment of source 'import' with its one arm
// 'logged', and the exposures and rewards in batches. The CSV importer
// (log_import.cc) and the DSJSON importer (dsjson_import.cc) read their
// formats into ImportedRows; nothing else differs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "keyart/analysis/log_import.h"
#include "keyart/engine/named_features.h"
#include "keyart/ledger/ledger.h"

namespace keyart::analysis {

struct ImportedRow {
  int64_t ts = 0;
  std::string action, unit;
  double reward = 0;  // stored (as the metric) when not 0
  double propensity = 1;
  std::optional<int64_t> position, hour;
  std::optional<std::string> device, country;
  std::vector<std::string> candidates;  // actions; empty: every action of the file
  engine::NamedFeatures user;           // logged as the request's user features
  engine::NamedFeatures context;        // and context features
  // The log's own event id (mapped by ledger/client_event_id.h); else one
  // is minted.
  std::optional<std::string> event_id;
  bool deferred = false, activated = false;  // deferred activation (engine/reward.h's marks)
};

// The actions of an import and their features, in order of first sight.
class ImportActions {
 public:
  explicit ImportActions(std::string title_id) : title_id_(std::move(title_id)) {}
  // Notes an action; throws ledger::LedgerError naming the problem (an id
  // too long for a variant id, two actions mapping onto one variant id).
  void note(const std::string& action);
  // Features for an action (the first given wins).
  void set_features(const std::string& action, engine::NamedFeatures features,
                    std::vector<double> vector = {});
  const std::string& title_id() const { return title_id_; }
  const std::vector<std::string>& actions() const { return order_; }
  const std::string& variant_of(const std::string& action) const { return variant_of_.at(action); }
  struct Features {
    engine::NamedFeatures named;
    std::vector<double> vector;
  };
  const Features* features(const std::string& action) const {
    auto it = features_.find(action);
    return it == features_.end() ? nullptr : &it->second;
  }

 private:
  std::string title_id_;
  std::vector<std::string> order_;
  std::unordered_map<std::string, std::string> variant_of_, action_of_;
  std::unordered_map<std::string, Features> features_;
};

struct ImportPlan {
  std::string source_path;
  std::string experiment_id, experiment_name, metric;
  const ImportActions* actions = nullptr;
  int64_t first_ts = 0, last_ts = 0;
};

// Before an import reads its file: the ledger writable, the ids valid, the
// experiment id free. Returns the title the actions go to (title_id, else
// the experiment id); throws ledger::LedgerError naming the problem.
std::string check_new_import(ledger::Ledger& ledger, const std::string& experiment_id,
                             const std::string& title_id);

// The write (pass 2). rows(emit) must call emit for every row to import, in
// file order. Adds the rows and rewards written to result; throws
// ledger::LedgerError when the ledger refuses something (nothing is kept).
void write_import(ledger::Ledger& ledger, const ImportPlan& plan,
                  const std::function<void(const std::function<void(ImportedRow&&)>&)>& rows,
                  ImportResult& result);

}  // namespace keyart::analysis
