#include "import_writer.h"

#include <filesystem>

#include "keyart/engine/context_fields.h"
#include "keyart/engine/event_id.h"
#include "keyart/engine/reward.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"

namespace keyart::analysis {

void ImportActions::note(const std::string& action) {
  if (variant_of_.count(action)) return;
  std::string id = ledger::external_variant_id(title_id_, action);
  if (!ledger::is_valid_id(id)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                              "action '" + action + "' is too long for a variant id");
  }
  if (auto clash = action_of_.find(id); clash != action_of_.end()) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                              "actions '" + clash->second + "' and '" + action +
                                  "' both become variant '" + id + "': rename one of them");
  }
  action_of_[id] = action;
  variant_of_[action] = id;
  order_.push_back(action);
}

void ImportActions::set_features(const std::string& action, engine::NamedFeatures features,
                                 std::vector<double> vector) {
  features_.try_emplace(action, Features{std::move(features), std::move(vector)});
}

std::string check_new_import(ledger::Ledger& ledger, const std::string& experiment_id,
                             const std::string& title_id) {
  ledger.require_writable();
  ledger::require_valid_id("experiment", experiment_id);
  const std::string title = title_id.empty() ? experiment_id : title_id;
  ledger::require_valid_id("title", title);
  if (ledger::find_experiment(ledger, experiment_id)) {
    throw ledger::LedgerError(ledger::ErrorKind::kConflict, "experiment '" + experiment_id +
                                                "' already exists: choose another --experiment");
  }
  return title;
}

void write_import(ledger::Ledger& ledger, const ImportPlan& plan,
                  const std::function<void(const std::function<void(ImportedRow&&)>&)>& rows,
                  ImportResult& result) {
  const ImportActions& actions = *plan.actions;
  const std::string& title_id = actions.title_id();
  const std::string name = std::filesystem::path(plan.source_path).filename().string();
  ledger::Transaction tx(ledger);
  if (!ledger::find_title(ledger, title_id)) {
    ledger::add_title(ledger, {.title_id = title_id, .name = "Imported: " + name,
                               .created_at = plan.first_ts});
  }
  for (const std::string& action : actions.actions()) {
    const std::string& id = actions.variant_of(action);
    if (auto existing = ledger::find_variant(ledger, id)) {
      if (existing->title_id != title_id) {
        throw ledger::LedgerError(ledger::ErrorKind::kConflict, "variant '" + id +
                                  "' already belongs to title '" + existing->title_id + "'");
      }
    } else {
      ledger::add_variant(ledger, {.variant_id = id, .title_id = title_id, .kind = "external",
                                   .original_name = action, .uploaded_at = plan.first_ts,
                                   .uploaded_by = "import"});
    }
    if (const auto* f = actions.features(action)) {
      ledger::put_variant_features(
          ledger, {.variant_id = id, .extractor_version = "import",
                   .features_json = ledger::arm_features_record(f->named, "import"),
                   .vector = f->vector, .extracted_at = plan.first_ts});
      ++result.actions_with_features;
    }
  }
  ledger::Experiment e;
  e.experiment_id = plan.experiment_id;
  e.name = plan.experiment_name.empty() ? name : plan.experiment_name;
  e.description = "imported from " + plan.source_path;
  e.source = "import";
  e.metric = plan.metric;
  e.title_ids = {title_id};
  e.created_at = plan.first_ts;
  e.arms = {{.arm_id = "logged", .policy_spec = "logged", .traffic_share = 1.0, .is_control = true}};
  ledger::create_experiment(ledger, e);
  ledger::start_experiment(ledger, plan.experiment_id, plan.first_ts);

  ledger::EventWriter writer(ledger);
  std::vector<ledger::Exposure> exposures;
  std::vector<ledger::Reward> rewards;
  auto write_batch = [&] {
    ledger::BatchResult written = writer.write(exposures, rewards);
    if (!written.rejected.empty()) {
      throw ledger::LedgerError(ledger::ErrorKind::kInternal,
                                "the ledger refused an imported row: " +
                                    written.rejected.front().reason);
    }
    result.rows_imported += static_cast<int64_t>(written.exposures_written);
    for (const ledger::Reward& r : rewards) {
      if (!engine::is_mark_kind(r.kind)) ++result.rewards_written;
    }
    exposures.clear();
    rewards.clear();
  };
  rows([&](ImportedRow&& row) {
    ledger::Exposure x;
    x.event_id = engine::to_hex(row.event_id ? ledger::client_event_id(*row.event_id)
                                             : engine::new_event_id(row.ts));
    x.ts = row.ts;
    x.experiment_id = plan.experiment_id;
    x.arm_id = "logged";
    x.unit_id = row.unit;
    x.title_id = title_id;
    x.variant_id = actions.variant_of(row.action);
    x.position = row.position;
    x.policy = "logged";
    x.propensity = row.propensity;
    engine::NamedFeatures& context = row.context;
    if (row.device) context.set(engine::kDeviceField, *row.device);
    if (row.country) context.set(engine::kCountryField, *row.country);
    if (row.hour) context.set(engine::kHourField, static_cast<double>(*row.hour));
    if (row.position) context.set("position", static_cast<double>(*row.position));
    ledger::encode_request(context, row.user, x);
    if (!row.candidates.empty()) {
      std::vector<std::string> ids;
      for (const auto& c : row.candidates) ids.push_back(actions.variant_of(c));
      x.candidates_json = ledger::encode_candidates(ids);
    }
    if (row.deferred) rewards.push_back({x.event_id, std::string(engine::kDeferredMark), 1, row.ts});
    if (row.deferred && row.activated) {
      rewards.push_back({x.event_id, std::string(engine::kActivatedMark), 1, row.ts});
    }
    if (row.reward != 0) rewards.push_back({x.event_id, plan.metric, row.reward, row.ts});
    exposures.push_back(std::move(x));
    if (exposures.size() == 10'000) write_batch();
  });
  write_batch();
  ledger::stop_experiment(ledger, plan.experiment_id, plan.last_ts);
  tx.commit();
}

}  // namespace keyart::analysis
