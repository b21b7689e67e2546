#include "client_events.h"

#include <cstring>

#include "keyart/engine/hash.h"

namespace keyart::serving {

namespace {

uint64_t add_text(uint64_t h, std::string_view text) {
  h = engine::fnv1a(h, text);
  return engine::fnv1a(h, std::string_view("\0", 1));  // a separator no text holds
}

uint64_t add_number(uint64_t h, double v) {
  char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  return engine::fnv1a(h, std::string_view(bytes, sizeof bytes));
}

uint64_t add_features(uint64_t h, const engine::NamedFeatures& features) {
  h = add_number(h, static_cast<double>(features.size()));
  for (const engine::NamedValue& v : features.values()) {  // sorted by name
    h = add_text(h, v.name);
    h = v.is_text ? add_text(engine::fnv1a(h, "t"), v.text) : add_number(engine::fnv1a(h, "n"), v.number);
  }
  return h;
}

}  // namespace

uint64_t request_fingerprint(const DecideRequest& r) {
  uint64_t h = engine::kFnvOffset;
  h = add_text(h, r.unit_id);
  h = add_text(h, r.title_id);
  h = add_number(h, static_cast<double>(r.eligible.size()));
  for (const std::string& id : r.eligible) h = add_text(h, id);
  h = add_text(h, r.experiment_id ? "e" + *r.experiment_id : std::string());
  h = add_text(h, r.seed ? std::to_string(*r.seed) : std::string());
  h = add_text(h, r.position ? std::to_string(*r.position) : std::string());
  h = add_features(h, r.context);
  h = add_features(h, r.user);
  h = add_text(h, r.defer_activation ? "deferred" : "shown");
  return engine::fmix64(h);
}

ClientEvents::Claim ClientEvents::claim(const engine::EventId& id, uint64_t fingerprint,
                                        int64_t now_ms, DecideResult& answer) {
  std::lock_guard lock(mu_);
  forget_old_locked(now_ms);
  auto [it, fresh] = entries_.try_emplace(id);
  Entry& e = it->second;
  if (fresh) {
    e.fingerprint = fingerprint;
    e.at_ms = now_ms;
    order_.emplace_back(now_ms, id);
    return Claim::kNew;
  }
  if (e.fingerprint != fingerprint) return Claim::kConflict;
  if (!e.settled) return Claim::kInProgress;
  answer = e.answer;
  return Claim::kSame;
}

void ClientEvents::settle(const engine::EventId& id, const DecideResult& answer) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.settled = true;
  it->second.answer = answer;
}

void ClientEvents::abandon(const engine::EventId& id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end() && !it->second.settled) entries_.erase(it);
}

size_t ClientEvents::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void ClientEvents::forget_old_locked(int64_t now_ms) {
  while (!order_.empty() &&
         (order_.front().first + keep_ms_ <= now_ms || entries_.size() >= capacity_)) {
    auto [at, id] = order_.front();
    order_.pop_front();
    auto it = entries_.find(id);
    // (An abandoned id may have been claimed again since: only its own
    // claim forgets it.)
    if (it != entries_.end() && it->second.at_ms == at) entries_.erase(it);
  }
}

}  // namespace keyart::serving
