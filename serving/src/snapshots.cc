#include "snapshots.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/model_snapshots.h"
#include "keyart/ledger/file_store.h"
#include "keyart/ledger/decision_log.h"

namespace keyart::serving {

namespace {

namespace fs = std::filesystem;
constexpr std::string_view kMagic = "KEYART-MODEL-SNAPSHOT 1\n";

// File layout: magic line, manifest length (decimal) and newline, manifest
// JSON {"learners": [{"scope", "spec", "offset", "size"}...]}, then the
// learners' snapshot bytes back to back.
std::string encode(const std::vector<std::tuple<std::string, std::string, std::string>>& parts) {
  nlohmann::json manifest = {{"learners", nlohmann::json::array()}};
  size_t offset = 0;
  for (const auto& [scope, spec, bytes] : parts) {
    manifest["learners"].push_back(
        {{"scope", scope}, {"spec", spec}, {"offset", offset}, {"size", bytes.size()}});
    offset += bytes.size();
  }
  std::string head = manifest.dump();
  std::string out(kMagic);
  out += std::to_string(head.size()) + "\n" + head;
  for (const auto& part : parts) out += std::get<2>(part);
  return out;
}

}  // namespace

SnapshotInfo take_snapshot(Service::Impl& s) {
  std::vector<std::tuple<std::string, std::string, std::string>> parts;
  ledger::LedgerMarks marks;
  {
    std::unique_lock gate(s.gate);
    s.writer->flush();
    if (!s.writer->healthy()) {
      throw std::runtime_error("the ledger is not writable; snapshot skipped");
    }
    {
      std::lock_guard lock(s.ledger_mu);
      marks = ledger::ledger_marks(*s.ledger);
    }
    std::shared_lock lock(s.learners_mu);
    for (const auto& [scope, learner] : s.learners) {
      parts.emplace_back(scope, learner->spec(), learner->snapshot());
    }
  }
  std::string bytes = encode(parts);
  std::lock_guard lock(s.ledger_mu);
  auto stored = ledger::store_file(
      s.ledger->files_dir() / "models",
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "snap");
  nlohmann::json learners = nlohmann::json::array();
  for (const auto& part : parts) learners.push_back(std::get<0>(part));
  SnapshotInfo info;
  info.snapshot_id = ledger::record_model_snapshot(
      *s.ledger, {.created_at = ledger::now_ms(),
                  .storage_path = "models/" + stored.relative_path,
                  .sha256 = stored.sha256,
                  .bytes = static_cast<int64_t>(bytes.size()),
                  .marks = marks,
                  .learners_json = learners.dump()});
  info.path = (s.ledger->files_dir() / "models" / stored.relative_path).string();
  info.last_exposure_id = marks.last_exposure_id;
  info.last_reward_id = marks.last_reward_id;
  info.bytes = bytes.size();
  s.last_snapshot = info;
  return info;
}

namespace {

// Loads the learners of one snapshot file; false (nothing changed) when the
// file is missing, altered or unreadable.
bool load_snapshot(Service::Impl& s, const fs::path& path, const std::string& sha256) {
  std::vector<uint8_t> raw;
  try {
    raw = ledger::read_file_bytes(path, 8ull << 30);
  } catch (const std::exception&) {
    return false;
  }
  if (ledger::sha256_hex(raw) != sha256) return false;
  std::string_view data(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (data.substr(0, kMagic.size()) != kMagic) return false;
  data.remove_prefix(kMagic.size());
  size_t newline = data.find('\n');
  if (newline == std::string_view::npos) return false;
  size_t head_size = std::stoul(std::string(data.substr(0, newline)));
  data.remove_prefix(newline + 1);
  auto manifest = nlohmann::json::parse(data.substr(0, head_size), nullptr, false);
  if (manifest.is_discarded()) return false;
  std::string_view payload = data.substr(head_size);
  std::unordered_map<std::string, std::unique_ptr<engine::Learner>> loaded;
  try {
    for (const auto& entry : manifest.at("learners")) {
      size_t offset = entry.at("offset"), size = entry.at("size");
      if (offset + size > payload.size()) return false;
      loaded.emplace(entry.at("scope").get<std::string>(),
                     engine::Learner::from_snapshot(payload.substr(offset, size)));
    }
  } catch (const std::exception&) {
    return false;
  }
  std::unique_lock lock(s.learners_mu);
  for (auto& [scope, learner] : loaded) s.learners[scope] = std::move(learner);
  return true;
}

}  // namespace

void restore_learners(Service::Impl& s) {
  int64_t after_exposure = 0, after_reward = 0;
  {
    std::lock_guard lock(s.ledger_mu);
    for (const ledger::ModelSnapshotRecord& record : ledger::list_model_snapshots(*s.ledger)) {
      fs::path path = s.ledger->files_dir() / record.storage_path;
      if (load_snapshot(s, path, record.sha256)) {
        SnapshotInfo info;
        info.snapshot_id = record.snapshot_id;
        info.path = path.string();
        info.last_exposure_id = after_exposure = record.marks.last_exposure_id;
        info.last_reward_id = after_reward = record.marks.last_reward_id;
        s.last_snapshot = info;
        break;
      }
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
        if (row.policy == "fallback") return;
        std::string scope;
        if (row.experiment_id) {
          scope = arm_scope(*row.experiment_id, *row.arm_id);
          if (!s.learner_for(scope)) {
            auto e = catalog->experiments.find(*row.experiment_id);
            if (e == catalog->experiments.end()) return;
            for (const auto& arm : e->second.arms) {
              if (arm.id == *row.arm_id) s.ensure_learner(scope, arm.spec);
            }
          }
        } else {
          scope = default_scope(row.policy);
          s.ensure_learner(scope, row.policy);
        }
        engine::Learner* learner = s.learner_for(scope);
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
