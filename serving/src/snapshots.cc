#include "snapshots.h"

#include <nlohmann/json.hpp>

#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/learner_scope.h"
#include "keyart/ledger/model_snapshots.h"
#include "keyart/ledger/decision_log.h"

namespace keyart::serving {

SnapshotInfo take_snapshot(Service::Impl& s) {
  // While the ledger cannot be written the snapshot could not be recorded,
  // and the flush below would wait for the writer's retries with the gate
  // held (every decision waiting too): skip at once, and bound the flush
  // for a ledger that fails meanwhile.
  constexpr std::chrono::seconds kFlushLimit{2};
  if (!s.writer->healthy()) throw ServiceError(503, "", "the ledger is not writable; snapshot skipped (retry when /readyz is ready)");
  engine::ModelBundle bundle;
  bundle.meta = {{"writer", engine::kWrittenByServe}};
  ledger::LedgerMarks marks;
  {
    std::unique_lock gate(s.gate);
    if (!s.writer->flush(kFlushLimit) || !s.writer->healthy()) {
      throw ServiceError(503, "", "the ledger is not writable; snapshot skipped (retry when /readyz is ready)");
    }
    {
      std::lock_guard lock(s.ledger_mu);
      marks = ledger::ledger_marks(*s.ledger);
    }
    std::shared_lock lock(s.learners_mu);
    for (const auto& [scope, learner] : s.learners) {
      bundle.learners.push_back({scope, learner->spec(), learner->snapshot()});
    }
  }
  std::lock_guard lock(s.ledger_mu);
  ledger::ModelSnapshotRecord record = ledger::store_model_bundle(*s.ledger, bundle, marks);
  SnapshotInfo info;
  info.snapshot_id = record.snapshot_id;
  info.path = (s.ledger->files_dir() / record.storage_path).string();
  info.last_exposure_id = marks.last_exposure_id;
  info.last_reward_id = marks.last_reward_id;
  info.bytes = static_cast<size_t>(record.bytes);
  s.last_snapshot = info;
  return info;
}

namespace {

// The learners of a bundle; nullopt when one of them does not load.
std::optional<std::unordered_map<std::string, std::unique_ptr<engine::Learner>>> load_learners(
    const engine::ModelBundle& bundle) {
  std::unordered_map<std::string, std::unique_ptr<engine::Learner>> loaded;
  try {
    for (const auto& part : bundle.learners) {
      loaded.emplace(part.scope, engine::Learner::from_snapshot(part.snapshot));
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return loaded;
}

}  // namespace

void restore_learners(Service::Impl& s) {
  int64_t after_exposure = 0, after_reward = 0;
  {
    std::lock_guard lock(s.ledger_mu);
    std::optional<std::unordered_map<std::string, std::unique_ptr<engine::Learner>>> loaded;
    auto stored = ledger::newest_model_bundle(
        *s.ledger, engine::kWrittenByServe, [&](const engine::ModelBundle& bundle) {
      loaded = load_learners(bundle);
      return loaded.has_value();
    });
    if (stored) {
      std::unique_lock learners_lock(s.learners_mu);
      for (auto& [scope, learner] : *loaded) s.learners[scope] = std::move(learner);
      SnapshotInfo info;
      info.snapshot_id = stored->record.snapshot_id;
      info.path = (s.ledger->files_dir() / stored->record.storage_path).string();
      info.last_exposure_id = after_exposure = stored->record.marks.last_exposure_id;
      info.last_reward_id = after_reward = stored->record.marks.last_reward_id;
      info.bytes = static_cast<size_t>(stored->record.bytes);
      s.last_snapshot = info;
    }
  }
  auto catalog = s.current_catalog();
  CachedDecisionCatalog decisions(*catalog);
  // Replay: exposures and rewards after the marks, merged by time, an
  // exposure before a reward at the same time. Exposures go in time order,
  // not commit order: two threads can commit decisions slightly out of time
  // order, and a reward (never earlier than its decision) must find its
  // decision already recorded.
  std::vector<ledger::StoredReward> rewards;
  std::lock_guard lock(s.ledger_mu);
  ledger::for_each_reward(*s.ledger, after_reward,
                               [&](const ledger::StoredReward& r) { rewards.push_back(r); });
  std::stable_sort(rewards.begin(), rewards.end(),
                   [](const auto& a, const auto& b) { return a.ts < b.ts; });
  size_t next_reward = 0;
  auto all_learners = [&](auto&& fn) {
    std::shared_lock learners_lock(s.learners_mu);
    for (auto& [scope, learner] : s.learners) fn(*learner);
  };
  auto replay_rewards_before = [&](int64_t t) {
    for (; next_reward < rewards.size() && rewards[next_reward].ts < t; ++next_reward) {
      const auto& r = rewards[next_reward];
      engine::EventId id;
      if (!engine::parse_event_id(r.event_id, id)) continue;
      all_learners([&](engine::Learner& l) { l.expire(r.ts); });
      std::shared_lock learners_lock(s.learners_mu);
      for (auto& [scope, learner] : s.learners) {
        if (learner->reward(id, r.kind, r.value, r.ts) != engine::RewardStatus::unknown_event) {
          break;
        }
      }
    }
  };
  ledger::for_each_exposure(
      *s.ledger, {.after_exposure_id = after_exposure, .by_time = true},
      [&](const ledger::StoredExposure& row) {
        replay_rewards_before(row.ts);
        auto scope = ledger::learner_scope_of(row);
        if (!scope) return;
        if (!s.learner_for(scope->scope)) s.ensure_learner(scope->scope, scope->spec);
        engine::Learner* learner = s.learner_for(scope->scope);
        if (!learner) return;
        std::string reason;
        auto decision = ledger::logged_decision(row, decisions, reason);
        if (!decision) return;
        all_learners([&](engine::Learner& l) { l.expire(row.ts); });
        learner->record(*decision);
      });
  replay_rewards_before(std::numeric_limits<int64_t>::max());
  int64_t now = ledger::now_ms();
  all_learners([&](engine::Learner& l) { l.expire(now); });
}

}  // namespace keyart::serving
