#include "model_follower.h"

#include <chrono>

#include "keyart/engine/model_bundle.h"
#include "keyart/ledger/model_snapshots.h"

namespace keyart::serving {

bool adopt_newest_model(Service::Impl& s) {
  const int64_t current = s.model_version.load();
  std::optional<ledger::StoredModelBundle> stored;
  {
    std::lock_guard lock(s.ledger_mu);
    if (ledger::newest_model_snapshot_id(*s.ledger) <= current) return false;
    stored = ledger::newest_model_bundle(
        *s.ledger,
        [](const engine::ModelBundle& b) {
          return engine::written_by(b) == engine::kWrittenByTrainer;
        },
        current);
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
  s.model_version = version;
  ++s.model_adoptions;
  return true;
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
