#include "model_follower.h"

#include <chrono>

#include "keyart/engine/model_bundle.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/learner_scope.h"
#include "keyart/ledger/model_snapshots.h"

namespace keyart::serving {

bool adopt_newest_model(Service::Impl& s) {
  const int64_t current = s.model_version.load();
  std::optional<ledger::StoredModelBundle> stored;
  {
    std::lock_guard lock(s.ledger_mu);
    if (ledger::newest_model_snapshot_id(*s.ledger) <= current) return false;
    stored = ledger::newest_model_bundle(*s.ledger, engine::kWrittenByTrainer, {}, current);
  }
  if (!stored) return false;
  // Loaded off every lock; then one swap per learner.
  std::vector<std::pair<std::string, std::unique_ptr<engine::Learner>>> loaded;
  for (const auto& part : stored->bundle.learners) {
    loaded.emplace_back(part.scope, engine::Learner::from_snapshot(part.snapshot));
  }
  const int64_t version = stored->record.snapshot_id;
  for (auto& [scope, model] : loaded) {
    engine::Learner* learner = s.ensure_learner(scope, model->spec());
    try {
      if (learner) learner->adopt_model(*model, static_cast<uint64_t>(version));
    } catch (const std::invalid_argument&) {
      ++s.model_poll_failures;  // the node runs another spec under this scope
    }
  }
  s.model_published_at = stored->record.created_at;
  if (s.model_version.exchange(version) != 0) {  // not the model found at start
    std::lock_guard lock(s.pickup_mu);
    s.pickup_ms.push_back(ledger::now_ms() - stored->record.created_at);
    if (s.pickup_ms.size() > 1024) s.pickup_ms.pop_front();
  }
  ++s.model_adoptions;
  return true;
}

void rebuild_churn_limits(Service::Impl& s) {
  const int64_t sticky_ms = s.options.learner.sticky_ms;
  if (sticky_ms <= 0) return;
  auto catalog = s.current_catalog();
  CachedDecisionCatalog decisions(*catalog);
  std::lock_guard lock(s.ledger_mu);
  ledger::for_each_exposure(
      *s.ledger, {.since_ms = ledger::now_ms() - sticky_ms, .by_time = true},
      [&](const ledger::StoredExposure& row) {
        auto scope = ledger::learner_scope_of(row);
        if (!scope) return;
        engine::Learner* learner = s.ensure_learner(scope->scope, scope->spec);
        std::string reason;
        auto decision = learner ? ledger::logged_decision(row, decisions, reason) : std::nullopt;
        if (decision) learner->remember_shown(*decision);
      });
}

void run_model_follower(Service::Impl& s) {
  std::unique_lock lock(s.expirer_mu);
  while (!s.stop_expirer) {
    s.expirer_cv.wait_for(lock, std::chrono::milliseconds(s.options.model_poll_ms));
    if (s.stop_expirer) break;
    lock.unlock();
    try {
      adopt_newest_model(s);
    } catch (const std::exception&) {
      ++s.model_poll_failures;
    }
    lock.lock();
  }
}

}  // namespace keyart::serving
