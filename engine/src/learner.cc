#include "keyart/engine/learner.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <queue>
#include <sstream>
#include <stdexcept>

namespace keyart::engine {

namespace {

constexpr char kMagic[8] = {'K', 'Y', 'L', 'E', 'A', 'R', 'N', '1'};
// Format 2 added each pending decision's activation state and the
// activation counters; format 1 (none deferred) is still read.
constexpr uint32_t kSnapshotFormat = 2;

uint64_t os_seed() {
  uint64_t s = 0;
  if (getrandom(&s, sizeof s, 0) != static_cast<ssize_t>(sizeof s)) s = 0x853c49e6748fea9bULL;
  return s;
}

void write_id(BinaryWriter& out, const EventId& id) {
  for (uint8_t b : id) out.u8(b);
}
EventId read_id(BinaryReader& in) {
  EventId id;
  for (auto& b : id) b = in.u8();
  return id;
}

}  // namespace

std::string_view to_string(RewardStatus status) {
  switch (status) {
    case RewardStatus::applied: return "applied";
    case RewardStatus::duplicate: return "duplicate";
    case RewardStatus::unknown_event: return "unknown_event";
    case RewardStatus::late: return "late";
    case RewardStatus::unknown_kind: return "unknown_kind";
    case RewardStatus::invalid_value: return "invalid_value";
  }
  return "?";
}

struct Learner::Pending {
  EventId id{};
  int64_t time_ms = 0, deadline = 0;
  std::string variant_id;
  FeatureKey variant_key = 0, block = 0;
  std::vector<Feature> features;  // common then own
  uint32_t n_common = 0;
  uint32_t kinds = 0;  // bit per reward kind received
  double reward = 0;
  bool awaiting_activation = false;  // deferred and not activated yet: not learned
};

struct Learner::Sticky {
  FeatureKey variant_key = 0;
  int64_t expires_ms = 0;
  EventId origin{};
  std::vector<std::pair<FeatureKey, double>> probabilities;  // by variant
};

struct Learner::Impl {
  struct Due {
    int64_t deadline;
    EventId id;
    bool operator>(const Due& o) const {
      return deadline != o.deadline ? deadline > o.deadline : id > o.id;
    }
  };
  std::unordered_map<EventId, Pending, EventIdHash> pending;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
  std::unordered_map<FeatureKey, Sticky> sticky;
  struct StickyDue {
    int64_t expires;
    FeatureKey key;
    bool operator>(const StickyDue& o) const {
      return expires != o.expires ? expires > o.expires : key > o.key;
    }
  };
  std::priority_queue<StickyDue, std::vector<StickyDue>, std::greater<StickyDue>> sticky_due;
  Rng rng;
  LearnerStats stats;
  std::vector<Pending> finalizing;  // guarded by finalize_mu_

  // Parks a decision until its deadline (state lock held). The table gets
  // buckets for max_pending entries at the first one: growing them later
  // rehashes every entry under the state lock that every decision waits
  // for (tens of milliseconds at a few hundred thousand entries).
  void park(Pending&& p, size_t max_pending) {
    if (pending.bucket_count() < max_pending) pending.reserve(max_pending);
    due.push({p.deadline, p.id});
    pending.emplace(p.id, std::move(p));
  }

  // Pops the pending entry with the earliest deadline (state lock held).
  bool pop_earliest(Pending& out) {
    while (!due.empty()) {
      Due d = due.top();
      due.pop();
      auto it = pending.find(d.id);
      if (it == pending.end()) continue;
      out = std::move(it->second);
      pending.erase(it);
      return true;
    }
    return false;
  }
  void trim_sticky(int64_t now_ms, size_t max) {
    while (!sticky_due.empty()) {
      StickyDue d = sticky_due.top();
      auto it = sticky.find(d.key);
      bool stale = it == sticky.end() || it->second.expires_ms != d.expires;
      if (!stale && d.expires > now_ms && sticky.size() <= max) break;
      sticky_due.pop();
      if (!stale) sticky.erase(it);
    }
  }
};

Learner::Learner(std::unique_ptr<Policy> policy, LearnerOptions options)
    : policy_(std::move(policy)),
      spec_(policy_->spec()),
      options_(std::move(options)),
      layout_(policy_->layout().options()),
      impl_(std::make_unique<Impl>()) {
  if (options_.wait_ms < 1) throw std::invalid_argument("wait window must be at least 1 ms");
  if (options_.max_pending < 1) throw std::invalid_argument("max_pending must be at least 1");
  if (options_.sticky_ms < 0) throw std::invalid_argument("sticky time must be >= 0");
  impl_->rng.reseed(options_.seed != 0 ? options_.seed : os_seed());
}

Learner::Learner(std::string_view policy_spec, LearnerOptions options)
    : Learner(make_policy(policy_spec), std::move(options)) {}

Learner::~Learner() = default;

uint64_t Learner::model_version() const {
  std::shared_lock lock(model_mu_);
  return adopted_version_ != 0 ? adopted_version_ : policy_->version();
}

void Learner::adopt_model(Learner& source, uint64_t version) {
  if (source.spec_ != spec_) {
    throw std::invalid_argument("cannot adopt a '" + source.spec_ + "' model into a '" + spec_ +
                                "' learner");
  }
  std::scoped_lock lock(model_mu_, source.model_mu_);
  policy_.swap(source.policy_);
  adopted_version_ = version;
}

void Learner::decide(Request& request, std::span<const PreparedVariant* const> candidates,
                     int default_index, const DecideOptions& opts, Decision& out) {
  ChoiceInput input = layout_.build(request, candidates, default_index);
  const size_t k = candidates.size();
  out.probabilities.resize(k);
  out.scores.resize(opts.want_scores ? k : 0);
  out.repeat = false;
  out.repeat_of = EventId{};
  const FeatureKey sticky_key = combine_keys(request.unit_key(), request.title_key());

  uint64_t seed;
  bool repeated = false;
  {
    std::lock_guard lock(state_mu_);
    seed = opts.seed ? *opts.seed : impl_->rng.next();
    if (options_.sticky_ms > 0) {
      auto it = impl_->sticky.find(sticky_key);
      if (it != impl_->sticky.end() && it->second.expires_ms > opts.now_ms) {
        const Sticky& s = it->second;
        for (size_t i = 0; i < k && !repeated; ++i) {
          if (candidates[i]->id_key == s.variant_key) {
            repeated = true;
            out.chosen = static_cast<int>(i);
          }
        }
        if (repeated) {
          for (size_t i = 0; i < k; ++i) {
            double p = 0;
            for (const auto& [key, q] : s.probabilities) {
              if (key == candidates[i]->id_key) p = q;
            }
            out.probabilities[i] = p;
          }
          out.propensity = out.probabilities[out.chosen];
          out.repeat = true;
          out.repeat_of = s.origin;
        }
      }
    }
  }
  {
    std::shared_lock lock(model_mu_);
    if (!repeated) {
      Rng rng(seed);
      ChoiceOutput choice{out.probabilities, out.scores, -1};
      policy_->choose(input, rng, request.workspace(), choice);
      out.chosen = choice.chosen;
      out.propensity = out.probabilities[out.chosen];
    } else {
      std::fill(out.scores.begin(), out.scores.end(), 0.0);
    }
    out.model_version = adopted_version_ != 0 ? adopted_version_ : policy_->version();
  }
  if (opts.preview) {
    out.event_id = EventId{};
    return;
  }
  out.event_id = opts.event_id ? *opts.event_id : new_event_id(opts.now_ms);

  // One critical section for what the decision leaves behind: its pending
  // entry, counters, and churn-limit entry.
  std::optional<Pending> pending;
  if (options_.keep_pending) {
    pending = pending_of(out.event_id, opts.now_ms, input, out.chosen);
    pending->awaiting_activation = opts.defer_activation;
  }
  {
    std::lock_guard lock(state_mu_);
    record_locked(pending, repeated);
    if (options_.sticky_ms > 0 && !repeated) {
      Sticky& s = impl_->sticky[sticky_key];
      s.variant_key = candidates[out.chosen]->id_key;
      s.expires_ms = opts.now_ms + options_.sticky_ms;
      s.origin = out.event_id;
      s.probabilities.clear();
      for (size_t i = 0; i < k; ++i) s.probabilities.emplace_back(candidates[i]->id_key, out.probabilities[i]);
      impl_->sticky_due.push({s.expires_ms, sticky_key});
      impl_->trim_sticky(opts.now_ms, options_.max_sticky);
    }
  }
  if (pending) park_evicting(std::move(*pending));
}

Learner::Pending Learner::pending_of(const EventId& id, int64_t time_ms, const ChoiceInput& input,
                                     int chosen) const {
  const CandidateVector& c = input.candidates[chosen];
  Pending p;
  p.id = id;
  p.time_ms = time_ms;
  p.deadline = time_ms + options_.wait_ms;
  p.variant_id = c.variant->id;
  p.variant_key = c.variant->id_key;
  p.block = c.block;
  p.n_common = static_cast<uint32_t>(input.common.size());
  p.features.reserve(input.common.size() + c.own.size());
  p.features.assign(input.common.begin(), input.common.end());
  p.features.insert(p.features.end(), c.own.begin(), c.own.end());
  return p;
}

void Learner::record_locked(std::optional<Pending>& pending, bool repeat) {
  if (pending && impl_->pending.size() < options_.max_pending) {
    impl_->park(std::move(*pending), options_.max_pending);
    pending.reset();
  }
  ++impl_->stats.decisions;
  if (repeat) ++impl_->stats.repeats;
}

void Learner::park_evicting(Pending p) {
  // Full: finalize the earliest decisions first (in order with expire()).
  std::lock_guard fin(finalize_mu_);
  auto& due = impl_->finalizing;
  due.clear();
  {
    std::lock_guard lock(state_mu_);
    while (impl_->pending.size() >= options_.max_pending) {
      Pending old;
      if (!impl_->pop_earliest(old)) break;
      due.push_back(std::move(old));
      ++impl_->stats.evicted;
    }
    impl_->park(std::move(p), options_.max_pending);
  }
  finalize_locked(due);
}

void Learner::finalize_locked(std::vector<Pending>& due) {
  if (due.empty()) return;
  uint64_t unactivated = 0;
  {
    std::unique_lock lock(model_mu_);
    for (const Pending& p : due) {
      if (p.awaiting_activation) {  // never shown: nothing to learn
        ++unactivated;
        continue;
      }
      std::span<const Feature> all(p.features);
      Observation obs{p.variant_id, p.variant_key, p.block, all.first(p.n_common),
                      all.subspan(p.n_common)};
      policy_->update(obs, p.reward);
    }
  }
  std::lock_guard lock(state_mu_);
  impl_->stats.finalized += due.size() - unactivated;
  impl_->stats.unactivated += unactivated;
}

RewardStatus Learner::reward(const EventId& event_id, std::string_view kind, double value,
                             int64_t now_ms) {
  const int index = options_.rewards.index(kind);
  const bool mark = kind == kDeferredMark || kind == kActivatedMark;
  std::lock_guard lock(state_mu_);
  if (index < 0 && !mark) {
    ++impl_->stats.rejected;
    return RewardStatus::unknown_kind;
  }
  if (!std::isfinite(value)) {
    ++impl_->stats.rejected;
    return RewardStatus::invalid_value;
  }
  auto it = impl_->pending.find(event_id);
  if (it == impl_->pending.end()) {
    if (event_id_time_ms(event_id) + options_.wait_ms <= now_ms) {
      ++impl_->stats.late;
      return RewardStatus::late;
    }
    ++impl_->stats.unknown;
    return RewardStatus::unknown_event;
  }
  Pending& p = it->second;
  if (now_ms >= p.deadline) {
    ++impl_->stats.late;
    return RewardStatus::late;
  }
  if (kind == kDeferredMark) {  // a replayed deferred decision
    p.awaiting_activation = true;
    return RewardStatus::applied;
  }
  if (kind == kActivatedMark) {
    if (!p.awaiting_activation) {
      ++impl_->stats.duplicates;
      return RewardStatus::duplicate;
    }
    p.awaiting_activation = false;
    ++impl_->stats.activated;
    return RewardStatus::applied;
  }
  const uint32_t bit = 1u << index;
  if (p.kinds & bit) {
    ++impl_->stats.duplicates;
    return RewardStatus::duplicate;
  }
  p.kinds |= bit;
  p.reward += options_.rewards.weight(index) * value;
  ++impl_->stats.rewards_applied;
  return RewardStatus::applied;
}

size_t Learner::expire(int64_t now_ms) {
  // In slices: each takes the state lock for kSlice pops and the model's
  // exclusive lock for kSlice updates, so deciding threads wait at most a
  // slice (tens of microseconds), not the whole second's worth of decisions
  // a busy learner finalizes at once. finalize_mu_ keeps the order.
  constexpr size_t kSlice = 32;
  size_t finalized = 0;
  for (bool more = true; more;) {
    // Per slice, so a decision that must evict (park_evicting) waits for
    // one slice at most; each slice pops the earliest, so the order holds.
    std::lock_guard fin(finalize_mu_);
    auto& due = impl_->finalizing;
    due.clear();
    {
      std::lock_guard lock(state_mu_);
      while (due.size() < kSlice && !impl_->due.empty() && impl_->due.top().deadline <= now_ms) {
        Pending p;
        if (!impl_->pop_earliest(p)) break;
        due.push_back(std::move(p));
      }
      more = due.size() == kSlice;
      if (!more && options_.sticky_ms > 0) impl_->trim_sticky(now_ms, options_.max_sticky);
    }
    finalize_locked(due);
    finalized += due.size();
  }
  return finalized;
}

LearnerStats Learner::stats() const {
  std::lock_guard lock(state_mu_);
  LearnerStats s = impl_->stats;
  s.pending = impl_->pending.size();
  s.sticky = impl_->sticky.size();
  return s;
}

std::string Learner::policy_state() const {
  std::shared_lock lock(model_mu_);
  BinaryWriter out;
  policy_->save(out);
  return out.take();
}

std::unique_ptr<Learner> Learner::clone_model() const {
  LearnerOptions serving = options_;
  serving.keep_pending = false;
  auto copy = std::make_unique<Learner>(make_policy(spec_), serving);
  std::string state = policy_state();
  BinaryReader in(state);
  copy->policy_->load(in);
  return copy;
}

void Learner::learn_from(Request& request, std::span<const PreparedVariant* const> candidates,
                         int default_index, const Decision& decision, int64_t now_ms) {
  if (decision.chosen < 0 || decision.chosen >= static_cast<int>(candidates.size())) {
    throw std::invalid_argument("the decision's chosen index is outside its candidates");
  }
  ChoiceInput input = layout_.build(request, candidates, default_index);
  std::optional<Pending> pending = pending_of(decision.event_id, now_ms, input, decision.chosen);
  {
    std::lock_guard lock(state_mu_);
    record_locked(pending, decision.repeat);
  }
  if (pending) park_evicting(std::move(*pending));
}

// ---- replay ----

void Learner::record(const LoggedDecision& d) {
  if (d.chosen < 0 || d.chosen >= static_cast<int>(d.candidates.size())) {
    throw std::invalid_argument("logged decision has chosen index " + std::to_string(d.chosen) +
                                " outside its " + std::to_string(d.candidates.size()) +
                                " candidates");
  }
  std::vector<PreparedVariant> prepared;
  prepared.reserve(d.candidates.size());
  std::vector<const PreparedVariant*> ptrs(d.candidates.size());
  int default_index = -1;
  for (size_t i = 0; i < d.candidates.size(); ++i) {
    const LoggedCandidate& c = d.candidates[i];
    if (!c.prepared) prepared.push_back(prepare_variant(c.variant_id, c.features));
    if (c.is_default && default_index < 0) default_index = static_cast<int>(i);
  }
  for (size_t i = 0, own = 0; i < d.candidates.size(); ++i) {
    ptrs[i] = d.candidates[i].prepared ? d.candidates[i].prepared : &prepared[own++];
  }
  Request request;
  request.reset(d.unit, d.title);
  request.add_user(d.user);
  request.add_context(d.context);
  request.add_title(d.title_features);
  ChoiceInput input = layout_.build(request, ptrs, default_index);
  std::optional<Pending> pending = pending_of(d.event_id, d.time_ms, input, d.chosen);
  {
    std::lock_guard lock(state_mu_);
    record_locked(pending, d.repeat);
    if (!d.repeat) {
      remember_locked(combine_keys(request.unit_key(), request.title_key()), ptrs[d.chosen]->id_key, d);
    }
  }
  if (pending) park_evicting(std::move(*pending));
}

void Learner::remember_shown(const LoggedDecision& d) {
  if (d.repeat || options_.sticky_ms <= 0) return;
  if (d.chosen < 0 || d.chosen >= static_cast<int>(d.candidates.size())) {
    throw std::invalid_argument("logged decision has chosen index " + std::to_string(d.chosen) +
                                " outside its " + std::to_string(d.candidates.size()) +
                                " candidates");
  }
  Request request;
  request.reset(d.unit, d.title);
  std::lock_guard lock(state_mu_);
  remember_locked(combine_keys(request.unit_key(), request.title_key()),
                  feature_key(d.candidates[d.chosen].variant_id), d);
}

size_t Learner::forget_unit(std::string_view unit, std::span<const std::string> titles) {
  Request request;
  std::lock_guard lock(state_mu_);
  size_t dropped = 0;
  for (const std::string& title : titles) {
    request.reset(unit, title);
    // Its entry in sticky_due goes when due (trim_sticky skips missing keys).
    dropped += impl_->sticky.erase(combine_keys(request.unit_key(), request.title_key()));
  }
  return dropped;
}

void Learner::drop_churn_limit() {
  std::lock_guard lock(state_mu_);
  options_.sticky_ms = 0;
  impl_->sticky.clear();
  impl_->sticky_due = {};
}

void Learner::remember_locked(FeatureKey key, FeatureKey variant_key, const LoggedDecision& d) {
  if (options_.sticky_ms <= 0) return;
  Sticky& s = impl_->sticky[key];
  s.variant_key = variant_key;
  s.expires_ms = d.time_ms + options_.sticky_ms;
  s.origin = d.event_id;
  s.probabilities.clear();
  s.probabilities.emplace_back(s.variant_key, d.propensity);
  impl_->sticky_due.push({s.expires_ms, key});
  impl_->trim_sticky(d.time_ms, options_.max_sticky);
}

void Learner::replay(std::span<const LoggedDecision> decisions,
                     std::span<const LoggedReward> rewards, int64_t end_ms) {
  std::vector<size_t> di(decisions.size()), ri(rewards.size());
  for (size_t i = 0; i < di.size(); ++i) di[i] = i;
  for (size_t i = 0; i < ri.size(); ++i) ri[i] = i;
  std::stable_sort(di.begin(), di.end(),
                   [&](size_t a, size_t b) { return decisions[a].time_ms < decisions[b].time_ms; });
  std::stable_sort(ri.begin(), ri.end(),
                   [&](size_t a, size_t b) { return rewards[a].time_ms < rewards[b].time_ms; });
  size_t a = 0, b = 0;
  while (a < di.size() || b < ri.size()) {
    bool take_decision =
        b == ri.size() ||
        (a < di.size() && decisions[di[a]].time_ms <= rewards[ri[b]].time_ms);
    if (take_decision) {
      const LoggedDecision& d = decisions[di[a++]];
      expire(d.time_ms);
      record(d);
    } else {
      const LoggedReward& r = rewards[ri[b++]];
      expire(r.time_ms);
      reward(r.event_id, r.kind, r.value, r.time_ms);
    }
  }
  expire(end_ms);
}

// ---- snapshots ----

std::string Learner::snapshot(SnapshotContents contents) const {
  const bool whole = contents == SnapshotContents::kWhole;
  BinaryWriter out;
  for (char c : kMagic) out.u8(static_cast<uint8_t>(c));
  out.u32(kSnapshotFormat);
  out.str(options_.rewards.to_string());
  out.i64(options_.wait_ms);
  out.u64(options_.max_pending);
  out.i64(options_.sticky_ms);
  out.u64(options_.max_sticky);
  out.u64(options_.seed);
  out.str(policy_state());
  std::lock_guard lock(state_mu_);
  for (uint64_t w : impl_->rng.state()) out.u64(w);
  const LearnerStats& s = impl_->stats;
  for (uint64_t v : {s.decisions, s.repeats, s.finalized, s.evicted, s.rewards_applied,
                     s.duplicates, s.unknown, s.late, s.rejected, s.activated, s.unactivated}) {
    out.u64(v);
  }
  std::vector<const Pending*> pending;
  if (whole) {
    for (const auto& [id, p] : impl_->pending) pending.push_back(&p);
  }
  std::sort(pending.begin(), pending.end(), [](const Pending* x, const Pending* y) {
    return x->deadline != y->deadline ? x->deadline < y->deadline : x->id < y->id;
  });
  out.u64(pending.size());
  for (const Pending* p : pending) {
    write_id(out, p->id);
    out.i64(p->time_ms);
    out.i64(p->deadline);
    out.str(p->variant_id);
    out.u64(p->variant_key);
    out.u64(p->block);
    out.u32(p->n_common);
    out.u64(p->features.size());
    for (const Feature& f : p->features) {
      out.u64(f.key);
      out.f64(f.value);
    }
    out.u32(p->kinds);
    out.f64(p->reward);
    out.u8(p->awaiting_activation ? 1 : 0);
  }
  std::vector<FeatureKey> keys;
  if (whole) {
    for (const auto& [k, v] : impl_->sticky) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  out.u64(keys.size());
  for (FeatureKey k : keys) {
    const Sticky& st = impl_->sticky.at(k);
    out.u64(k);
    out.u64(st.variant_key);
    out.i64(st.expires_ms);
    write_id(out, st.origin);
    out.u64(st.probabilities.size());
    for (const auto& [key, q] : st.probabilities) {
      out.u64(key);
      out.f64(q);
    }
  }
  out.u64(checksum64(out.bytes()));
  return out.take();
}

std::unique_ptr<Learner> Learner::from_snapshot(std::string_view bytes) {
  if (bytes.size() < sizeof kMagic + 12 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw SnapshotError("not a keyart learner snapshot (bad magic)");
  }
  std::string_view body = bytes.substr(0, bytes.size() - 8);
  BinaryReader tail(bytes.substr(bytes.size() - 8));
  if (tail.u64() != checksum64(body)) {
    throw SnapshotError("learner snapshot is corrupt (checksum mismatch)");
  }
  BinaryReader in(body.substr(sizeof kMagic));
  uint32_t format = in.u32();
  if (format != kSnapshotFormat && format != 1) {
    throw SnapshotError("learner snapshot format " + std::to_string(format) +
                        " is not supported (this keyart reads format " +
                        std::to_string(kSnapshotFormat) + ")");
  }
  LearnerOptions o;
  o.rewards = RewardDefinition::parse(in.str());
  o.wait_ms = in.i64();
  o.max_pending = in.u64();
  o.sticky_ms = in.i64();
  o.max_sticky = in.u64();
  o.seed = in.u64();
  std::string state = in.str();
  BinaryReader ps(state);
  ps.u32();
  std::string spec = ps.str();
  auto learner = std::make_unique<Learner>(make_policy(spec), o);
  BinaryReader policy_in(state);
  learner->policy_->load(policy_in);
  Impl& impl = *learner->impl_;
  std::array<uint64_t, 4> rs;
  for (auto& w : rs) w = in.u64();
  impl.rng.set_state(rs);
  LearnerStats& s = impl.stats;
  for (uint64_t* v : {&s.decisions, &s.repeats, &s.finalized, &s.evicted, &s.rewards_applied,
                      &s.duplicates, &s.unknown, &s.late, &s.rejected}) {
    *v = in.u64();
  }
  if (format >= 2) {
    s.activated = in.u64();
    s.unactivated = in.u64();
  }
  uint64_t n = in.count(60);
  for (uint64_t i = 0; i < n; ++i) {
    Pending p;
    p.id = read_id(in);
    p.time_ms = in.i64();
    p.deadline = in.i64();
    p.variant_id = in.str();
    p.variant_key = in.u64();
    p.block = in.u64();
    p.n_common = in.u32();
    uint64_t nf = in.count(16);
    p.features.resize(nf);
    for (auto& f : p.features) {
      f.key = in.u64();
      f.value = in.f64();
    }
    if (p.n_common > nf) throw SnapshotError("learner snapshot is corrupt (pending features)");
    p.kinds = in.u32();
    p.reward = in.f64();
    if (format >= 2) p.awaiting_activation = in.u8() != 0;
    impl.due.push({p.deadline, p.id});
    EventId id = p.id;
    impl.pending.emplace(id, std::move(p));
  }
  n = in.count(48);
  for (uint64_t i = 0; i < n; ++i) {
    FeatureKey k = in.u64();
    Sticky& st = impl.sticky[k];
    st.variant_key = in.u64();
    st.expires_ms = in.i64();
    st.origin = read_id(in);
    uint64_t np = in.count(16);
    for (uint64_t j = 0; j < np; ++j) {
      FeatureKey key = in.u64();
      st.probabilities.emplace_back(key, in.f64());
    }
    impl.sticky_due.push({st.expires_ms, k});
  }
  if (!in.done()) throw SnapshotError("learner snapshot has trailing bytes");
  return learner;
}

void Learner::save(const std::string& path) const {
  const std::string bytes = snapshot();
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" +
                          std::to_string(counter.fetch_add(1));
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    throw std::runtime_error("cannot write snapshot '" + tmp + "': " + std::strerror(errno));
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = std::fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write snapshot '" + path + "': " + std::strerror(err));
  }
}

std::unique_ptr<Learner> Learner::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SnapshotError("cannot open snapshot '" + path + "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  try {
    return from_snapshot(buf.str());
  } catch (const SnapshotError& e) {
    throw SnapshotError(path + ": " + e.what());
  }
}

}  // namespace keyart::engine
