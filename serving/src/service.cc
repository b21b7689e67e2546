#include "keyart/serving/service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "keyart/engine/context_fields.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/assignment.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/forget.h"
#include "keyart/ledger/learner_scope.h"
#include "keyart/ledger/plays.h"
#include "keyart/serving/viewings.h"
#include "service_impl.h"
#include "model_follower.h"
#include "snapshots.h"
#include "thread_name.h"

namespace keyart::serving {

namespace {

int64_t clock_ms() { return ledger::now_ms(); }

[[noreturn]] void bad(const std::string& field, const std::string& message) {
  throw ServiceError(400, field, message);
}

void check_string(const std::string& field, std::string_view value, const ServiceLimits& limits,
                  bool required = true) {
  if (required && value.empty()) bad(field, field + " is required");
  if (value.size() > limits.max_string_bytes) {
    bad(field, field + " is longer than " + std::to_string(limits.max_string_bytes) + " bytes");
  }
}

void check_features(const std::string& field, const engine::NamedFeatures& features,
                    const ServiceLimits& limits) {
  for (const auto& v : features.values()) {
    check_string(field + " name", v.name, limits);
    if (v.is_text) check_string(field + "." + v.name, v.text, limits, false);
    if (!v.is_text && !std::isfinite(v.number)) bad(field + "." + v.name, "must be a finite number");
  }
}

// The viewer's part of a request (a page shares it among its tiles): unit,
// context, user, experiment.
void validate_viewer(const DecideRequest& r, const ServiceLimits& limits) {
  check_string("unit_id", r.unit_id, limits);
  check_features("context", r.context, limits);
  check_features("user", r.user, limits);
  if (r.context.size() + r.user.size() > limits.max_features) {
    bad("user", "more than " + std::to_string(limits.max_features) + " features in one request");
  }
  if (auto error = engine::check_context_fields(r.context)) bad(error->field, error->message);
  if (r.experiment_id) check_string("experiment_id", *r.experiment_id, limits);
}

// The impression's part: title and eligible variants.
void validate_impression(const DecideRequest& r, const ServiceLimits& limits) {
  check_string("title_id", r.title_id, limits);
  if (r.eligible.size() > limits.max_candidates) {
    bad("eligible", "more than " + std::to_string(limits.max_candidates) + " eligible variants");
  }
  std::unordered_set<std::string_view> seen;
  for (const auto& id : r.eligible) {
    check_string("eligible", id, limits);
    if (!seen.insert(id).second) bad("eligible", "variant '" + id + "' is listed twice");
  }
}

// Per-thread scratch for deciding, reused so the hot path does not allocate.
struct Scratch {
  engine::Request request;
  engine::Decision decision;
  std::vector<const engine::PreparedVariant*> candidates;
  std::vector<const CachedVariant*> cached;
  // The tastes the viewer's profile added to the request's user features
  // (logged with them).
  std::vector<std::pair<std::string, double>> profile_tastes;
  std::vector<DecideResult::Taste> tastes;  // what the decision used, for explain
  // Within decide_page, whose tiles share the viewer, context and time: the
  // profile's tastes are read once, for the first tile, and the logged
  // request is encoded once, by the first tile that is not a churn repeat;
  // the later tiles reuse both.
  struct Page {
    bool active = false;
    bool tastes_read = false;
    bool request_logged = false;
    ledger::Exposure first;  // that tile's context_json, device, country, hour
  } page;
};
thread_local Scratch scratch;

// Every event id the service hands out comes from here. A decision's id is
// the one its learner minted (engine::Learner::decide, engine::new_event_id
// with the decision's time) and parked the decision under: rewards join on
// it, so it is taken, not minted again. A fallback, which no learner sees,
// gets a fresh id of the same layout (48 bits of milliseconds, 80 random).
std::string event_id_of(const engine::Decision* decided, int64_t now_ms) {
  return engine::to_hex(decided ? decided->event_id : engine::new_event_id(now_ms));
}

// Step 1: who decides for this impression. The unit's arm of the experiment
// (asked for, else the running one that covers the title; sticky:
// hash(salt, unit) onto the arms' shares), else the title's default policy.
struct Route {
  const CachedTitle* title = nullptr;
  const CachedExperiment* experiment = nullptr;  // null: the default policy
  const CachedArm* arm = nullptr;                // with experiment
  const std::string* scope = nullptr;            // the learner's scope
  const std::string* spec = nullptr;             // its policy spec
};

Route resolve_route(Service::Impl& s, const CatalogCache& catalog, const DecideRequest& req) {
  auto title_it = catalog.titles.find(req.title_id);
  if (title_it == catalog.titles.end()) {
    ++s.not_found;
    throw ServiceError(404, "title_id", "no title '" + req.title_id + "'");
  }
  Route route;
  route.title = &title_it->second;
  const CachedTitle& title = *route.title;
  if (req.experiment_id) {
    auto e = catalog.experiments.find(*req.experiment_id);
    if (e == catalog.experiments.end()) {
      ++s.not_found;
      throw ServiceError(404, "experiment_id", "no experiment '" + *req.experiment_id + "'");
    }
    if (e->second.status != "running" || !e->second.covers(title.id)) {
      ++s.bad_requests;
      bad("experiment_id", "experiment '" + *req.experiment_id + "' is " + e->second.status +
                               (e->second.covers(title.id) ? "" : " and does not cover title '" +
                                                                      title.id + "'"));
    }
    route.experiment = &e->second;
  } else {
    route.experiment = catalog.running_for(title.id);
  }
  if (route.experiment) {
    route.arm = &route.experiment->arms[ledger::assign_arm(route.experiment->salt, req.unit_id,
                                                           route.experiment->shares)];
  }
  route.scope = route.arm ? &route.arm->scope : &title.default_scope;
  route.spec = route.arm ? &route.arm->spec : &title.default_policy;
  return route;
}

// Step 2: the candidates into the thread's scratch (the title's active
// variants, or the eligible ones asked for); returns the index of the
// title's default variant among them, -1 when it is not one.
int collect_candidates(Service::Impl& s, const CatalogCache& catalog, const Route& route,
                       const DecideRequest& req, Scratch& tl) {
  const CachedTitle& title = *route.title;
  tl.candidates.clear();
  tl.cached.clear();
  int default_index = -1;
  if (req.eligible.empty()) {
    for (const CachedVariant* v : title.active) {
      tl.candidates.push_back(&v->prepared);
      tl.cached.push_back(v);
    }
    default_index = title.default_index;
  } else {
    const CachedVariant* default_variant =
        title.default_index >= 0 ? title.active[title.default_index] : nullptr;
    for (const auto& id : req.eligible) {
      auto v = catalog.variants.find(id);
      if (v == catalog.variants.end() || v->second.title_id != title.id || !v->second.active) {
        ++s.not_found;
        throw ServiceError(404, "eligible", "title '" + title.id + "' has no active variant '" +
                                                id + "'");
      }
      if (&v->second == default_variant) default_index = static_cast<int>(tl.cached.size());
      tl.candidates.push_back(&v->second.prepared);
      tl.cached.push_back(&v->second);
    }
  }
  if (tl.candidates.empty()) {
    ++s.not_found;
    throw ServiceError(404, "title_id", "title '" + title.id + "' has no active artwork");
  }
  return default_index;
}

// Step 3: the route's learner chooses (the decision is left in tl.decision),
// with a place in the ledger queue reserved for its exposure; or the reason
// the default artwork is shown instead (nothing reserved, nothing learned).
// Called with the gate held shared.
struct Choice {
  engine::Learner* learner = nullptr;  // null: fallback
  std::string fallback_reason;
};

// The viewer's tastes: the request's own, and with profiles on, those of
// the viewer's profile the request does not carry (the request's win).
// Leaves in tl.profile_tastes the profile's tastes (logged after the
// request's own user features) and, for explain, in tl.tastes all used.
void add_profile_tastes(Service::Impl& s, const DecideRequest& req, int64_t now, Scratch& tl) {
  tl.profile_tastes.clear();
  tl.tastes.clear();
  if (req.want_scores || req.preview) {
    for (const auto& f : req.user.values()) {
      if (!f.is_text && engine::is_taste_feature(f.name)) tl.tastes.push_back({f.name, f.number, false});
    }
  }
  if (!s.profiles) return;
  const bool explain = req.want_scores || req.preview;
  s.profiles->for_each_taste(req.unit_id, now, [&](std::string_view feature, double value) {
    if (req.user.find(feature)) return;
    tl.profile_tastes.emplace_back(feature, value);
    tl.request.add_user(feature, value);
    if (explain) tl.tastes.push_back({std::string(feature), value, true});
  });
}

Choice choose(Service::Impl& s, const Route& route, const DecideRequest& req, int default_index,
              int64_t now, const std::optional<engine::EventId>& client_id, Scratch& tl) {
  if (!s.accepting) return {nullptr, "shutting down"};
  engine::Learner* learner = s.learner_for(*route.scope);
  if (!learner) learner = s.ensure_learner(*route.scope, *route.spec);
  if (!learner) return {nullptr, "policy '" + *route.spec + "' is not usable"};
  // A deferred decision needs two places: its exposure and its mark.
  const size_t places = req.preview ? 0 : req.defer_activation ? 2 : 1;
  if (places > 0 && !s.writer->reserve(places)) return {nullptr, "ledger queue is full"};
  try {
    tl.request.reset(req.unit_id, req.title_id);
    tl.request.add_context(req.context);
    tl.request.add_user(req.user);
    if (!tl.page.tastes_read) {
      add_profile_tastes(s, req, now, tl);
      tl.page.tastes_read = tl.page.active;
    } else {
      for (const auto& [feature, value] : tl.profile_tastes) tl.request.add_user(feature, value);
    }
    tl.request.add_title(route.title->features);
    learner->decide(tl.request, tl.candidates, default_index,
                    {.now_ms = now, .seed = req.seed, .want_scores = req.want_scores || req.preview,
                     .preview = req.preview, .defer_activation = req.defer_activation,
                     .event_id = client_id},
                    tl.decision);
  } catch (const std::exception& e) {
    if (places > 0) s.writer->release(places);
    return {nullptr, std::string("policy failed: ") + e.what()};
  }
  return {learner, {}};
}

// Step 4: the exposure row for the ledger writer (event id, time,
// experiment, arm, unit, title, variant, position, policy, model version,
// propensity, and the decision log: context, user, candidates).
ledger::Exposure exposure_of(const Route& route, const DecideRequest& req, Scratch& tl,
                             const engine::Learner& learner, int64_t now) {
  const engine::Decision& d = tl.decision;
  ledger::Exposure exposure;
  exposure.event_id = event_id_of(&d, now);
  exposure.ts = now;
  if (route.experiment) {
    exposure.experiment_id = route.experiment->id;
    exposure.arm_id = route.arm->id;
  }
  exposure.unit_id = req.unit_id;
  exposure.title_id = route.title->id;
  exposure.variant_id = tl.cached[d.chosen]->id;
  exposure.position = req.position;
  exposure.policy = learner.spec();
  exposure.model_version = static_cast<int64_t>(d.model_version);
  exposure.propensity = d.propensity;
  ledger::encode_decision({&req.context, &req.user, tl.candidates, &d, tl.profile_tastes,
                           tl.page.request_logged ? &tl.page.first : nullptr},
                          exposure);
  if (tl.page.active && !tl.page.request_logged && !d.repeat) {
    ledger::copy_logged_request(exposure, tl.page.first);
    tl.page.request_logged = true;
  }
  return exposure;
}

// Step 5: the answer, from the exposure (before it is moved to the writer).
DecideResult answer_of(const ledger::Exposure& exposure, const Scratch& tl, bool want_scores) {
  const engine::Decision& d = tl.decision;
  DecideResult out;
  out.event_id = exposure.event_id;
  out.variant_id = exposure.variant_id;
  out.uri = tl.cached[d.chosen]->uri;
  out.propensity = d.propensity;
  out.experiment_id = exposure.experiment_id;
  out.arm_id = exposure.arm_id;
  out.policy = exposure.policy;
  out.model_version = d.model_version;
  out.repeat = d.repeat;
  if (want_scores) {
    for (size_t i = 0; i < tl.cached.size(); ++i) {
      DecideResult::Candidate c{tl.cached[i]->id, d.probabilities[i], std::nullopt};
      if (i < d.scores.size()) c.score = d.scores[i];
      out.candidates.push_back(std::move(c));
    }
    out.tastes = tl.tastes;
  }
  return out;
}

// Steps 3-5 when there is no decision: the title's default artwork (else the
// first candidate), marked fallback; not recorded, nothing learned.
DecideResult fallback_answer(const Route& route, const Scratch& tl, int default_index, int64_t now,
                             const std::optional<engine::EventId>& client_id, std::string reason) {
  const CachedVariant& shown = *tl.cached[default_index >= 0 ? default_index : 0];
  DecideResult out;
  out.event_id = client_id ? engine::to_hex(*client_id) : event_id_of(nullptr, now);
  out.variant_id = shown.id;
  out.uri = shown.uri;
  out.propensity = 1;
  if (route.experiment) {
    out.experiment_id = route.experiment->id;
    out.arm_id = route.arm->id;
  }
  out.policy = ledger::kFallbackPolicy;
  out.fallback = true;
  out.fallback_reason = std::move(reason);
  return out;
}

// One reward's acknowledgement: its commit (the writer's callback) and its
// deadline (a task on the caller's event loop) race to finish() it; the first
// calls the caller's callback, exactly once, and the other finds it done.
// The writer's queued item owns it; the deadline holds it weakly, so a
// reward committed in time frees its caller's state (an HTTP request and
// its connection) at once, not at the deadline.
class RewardAck {
 public:
  RewardAck(std::atomic<uint64_t>& acknowledged, RewardCallback callback)
      : acknowledged_(acknowledged), callback_(std::move(callback)) {}
  void finish(RewardOutcome outcome, const std::string& reason) {
    if (done_.exchange(true)) return;
    RewardCallback callback = std::move(callback_);  // only the winner gets here
    if (outcome == RewardOutcome::kStored || outcome == RewardOutcome::kDuplicate) {
      ++acknowledged_;
    }
    callback(outcome, reason);
  }

 private:
  std::atomic<uint64_t>& acknowledged_;
  std::atomic<bool> done_{false};
  RewardCallback callback_;
};

}  // namespace

engine::Learner* Service::Impl::learner_for(const std::string& scope) const {
  std::shared_lock lock(learners_mu);
  auto it = learners.find(scope);
  return it == learners.end() ? nullptr : it->second.get();
}

engine::Learner* Service::Impl::ensure_learner(const std::string& scope, const std::string& spec) {
  std::unique_lock lock(learners_mu);
  if (auto it = learners.find(scope); it != learners.end()) return it->second.get();
  try {
    engine::LearnerOptions learner_options = options.learner;
    learner_options.keep_pending = !model_from_ledger();
    auto learner = std::make_unique<engine::Learner>(spec, learner_options);
    engine::Learner* raw = learner.get();
    learners.emplace(scope, std::move(learner));
    learner_errors.erase(scope);
    return raw;
  } catch (const std::exception& e) {
    learner_errors[scope] = e.what();
    return nullptr;
  }
}

void Service::Impl::load_catalog() {
  std::shared_ptr<CatalogCache> fresh;
  int64_t version = 0;
  {
    std::lock_guard lock(ledger_mu);
    // The version first: a change while loading moves it again, and the
    // next poll reloads. It is kept only once the load succeeded, so a
    // failed load is tried again at the next poll.
    version = ledger::catalog_version(*ledger);
    fresh = CatalogCache::load(*ledger);
  }
  // One load at a time from here (a reload and the catalogue poll may
  // race), so the store ends with the population of the catalogue in use.
  std::lock_guard population_lock(population_mu);
  const std::shared_ptr<const CatalogCache> previous = current_catalog();
  const std::shared_ptr<const profiles::Population> before =
      previous ? previous->population : nullptr;
  fresh->population = population_for(*fresh);
  for (auto& [id, title] : fresh->titles) {
    std::string canonical = title.default_policy;
    try {
      canonical = engine::make_policy(title.default_policy)->spec();
    } catch (const std::exception&) {
      // ensure_learner records why this spec has no learner.
    }
    title.default_scope = ledger::default_scope(canonical);
    ensure_learner(title.default_scope, canonical);
  }
  for (const auto& [id, e] : fresh->experiments) {
    if (e.status == "draft") continue;
    for (const auto& arm : e.arms) ensure_learner(arm.scope, arm.spec);
  }
  {
    std::lock_guard lock(catalog_mu);
    catalog = std::move(fresh);
    catalog_version = version;
  }
  // A new population has every held profile fitted again as it is used.
  const std::shared_ptr<const profiles::Population> now = current_catalog()->population;
  if (profiles && now != before) profiles->set_population(now);
}

std::shared_ptr<const profiles::Population> Service::Impl::population_for(const CatalogCache& fresh) {
  const profiles::ProfileOptions& o = options.profiles.arithmetic;
  if (!options.profiles.enabled || !o.fitted || !fresh.title_viewing) return nullptr;
  // The same facts and viewing as the population in use: keep it (a
  // catalogue change elsewhere, such as a new variant, refits no one).
  std::map<std::string, const CachedTitle*> titles;
  for (const auto& [id, title] : fresh.titles) titles.emplace(id, &title);
  std::string inputs;
  std::unordered_map<std::string, profiles::TitleFacts> facts;
  for (const auto& [id, title] : titles) {
    inputs += id + '\n';
    for (const auto& [actor, role] : title->facts.cast) {
      inputs += actor + ':' + std::to_string(static_cast<int>(role)) + ',';
    }
    for (const std::string& genre : title->facts.genres) inputs += genre + ',';
    const auto w = fresh.title_viewing->weight.find(id);
    char weight[32];
    std::snprintf(weight, sizeof weight, "%a\n", w == fresh.title_viewing->weight.end() ? 0.0 : w->second);
    inputs += weight;
    facts.emplace(id, title->facts);
  }
  const std::shared_ptr<const CatalogCache> current = current_catalog();
  if (current && current->population && inputs == population_inputs) return current->population;
  population_inputs = std::move(inputs);
  return std::make_shared<const profiles::Population>(facts, fresh.title_viewing->weight, o);
}

void Service::Impl::follow_catalog() {
  int64_t now_version = 0, loaded = 0;
  try {
    std::lock_guard lock(ledger_mu);
    now_version = ledger::catalog_version(*ledger);
    loaded = catalog_version;
  } catch (const std::exception&) {
    return;  // the ledger is unreachable: the next poll tries again
  }
  if (now_version == loaded) return;
  // No gate: the catalogue is swapped whole under catalog_mu and learners
  // are added under learners_mu, so decisions keep flowing while it loads.
  load_catalog();
  ++catalog_reloads;
}

void Service::Impl::run_expirer() {
  std::unique_lock lock(expirer_mu);
  while (!stop_expirer) {
    // Woken for the nearest: closing windows, the next snapshot, the next
    // look at the catalogue version.
    int64_t wait_ms = options.expire_interval_ms;
    if (!model_from_ledger() && options.snapshot_interval_ms > 0) {
      wait_ms = std::min(wait_ms, options.snapshot_interval_ms);
    }
    if (options.catalog_poll_ms > 0) wait_ms = std::min(wait_ms, options.catalog_poll_ms);
    expirer_cv.wait_for(lock, std::chrono::milliseconds(wait_ms));
    if (stop_expirer) break;
    lock.unlock();
    {
      std::shared_lock gate_lock(gate);
      std::shared_lock learners_lock(learners_mu);
      int64_t now = clock_ms();
      for (auto& [scope, learner] : learners) learner->expire(now);
    }
    if (options.catalog_poll_ms > 0 && clock_ms() - last_catalog_poll_ms >= options.catalog_poll_ms) {
      last_catalog_poll_ms = clock_ms();
      try {
        follow_catalog();
      } catch (const std::exception&) {
        // A catalogue that does not load is kept as it was; the next poll retries.
      }
    }
    if (!model_from_ledger() && options.snapshot_interval_ms > 0 &&
        clock_ms() - last_snapshot_ms >= options.snapshot_interval_ms) {
      try {
        take_snapshot(*this);
      } catch (const std::exception&) {
        // Counted by the writer's health; the next interval tries again.
      }
      last_snapshot_ms = clock_ms();
    }
    lock.lock();
  }
}

namespace {

// A viewer's profile rebuilt from the ledger's plays (the profile store's
// loader), with the titles' facts of the catalogue in use.
void load_profile(Service::Impl& s, const std::string& unit, profiles::ViewerProfile& profile) {
  const std::shared_ptr<const CatalogCache> catalog = s.current_catalog();
  std::lock_guard lock(s.ledger_mu);
  ledger::for_each_play_of(*s.ledger, unit, [&](const ledger::StoredPlay& play) {
    auto title = catalog->titles.find(play.title_id);
    if (title == catalog->titles.end()) return;  // removed from the catalogue since
    profile.add(viewing_of(play), title->second.facts, s.options.profiles.arithmetic);
  });
}

// Fitted profiles need everyone's viewing per title: measured from the
// ledger's plays and stored when it never was (keyart viewer population
// measures it again), then fitted against.
void start_fitted_profiles(Service::Impl& s) {
  if (!s.current_catalog()->title_viewing) {
    {
      std::lock_guard lock(s.ledger_mu);
      store_measured_title_viewing(*s.ledger, s.options.profiles.arithmetic, clock_ms());
    }
    s.load_catalog();
  }
  s.profiles->set_population(s.current_catalog()->population);
}

// Why a reported viewing cannot be recorded, or empty.
std::string play_problem(const Service::Impl& s, const CatalogCache& catalog, const PlayReport& p,
                         int64_t ts, int64_t now) {
  const size_t most = s.options.limits.max_string_bytes;
  if (p.unit_id.empty() || p.unit_id.size() > most) {
    return "unit_id must be 1 to " + std::to_string(most) + " bytes";
  }
  if (!catalog.titles.count(p.title_id)) return "unknown title '" + p.title_id.substr(0, most) + "'";
  if (ts < 0) return "ts must not be before 1970";
  if (ts > now + s.options.profiles.future_tolerance_ms) {
    return "ts is " + std::to_string((ts - now) / 1000) + " s in the future (at most " +
           std::to_string(s.options.profiles.future_tolerance_ms / 1000) + " s allowed)";
  }
  if (p.seconds && !(std::isfinite(*p.seconds) && *p.seconds >= 0 && *p.seconds <= 1e7)) {
    return "seconds must be between 0 and 10,000,000";
  }
  return {};
}

}  // namespace

std::vector<PlayOutcome> Service::record_plays(std::span<const PlayReport> plays, int64_t now_ms) {
  Impl& s = *impl_;
  const int64_t now = now_ms ? now_ms : clock_ms();
  const std::shared_ptr<const CatalogCache> catalog = s.current_catalog();
  std::vector<PlayOutcome> out;
  out.reserve(plays.size());
  for (const PlayReport& report : plays) {
    const int64_t ts = report.ts_ms.value_or(now);
    std::string problem = play_problem(s, *catalog, report, ts, now);
    ledger::Play play{ledger::play_key_of(report.unit_id, report.title_id, ts), report.unit_id,
                      report.title_id, ts, report.seconds, report.completed};
    if (problem.empty() && !s.writer->submit(play)) problem = "ledger queue is full";
    if (!problem.empty()) {
      ++s.plays_refused;
      out.push_back({false, std::move(problem)});
      continue;
    }
    ++s.plays_accepted;
    if (s.profiles) {
      s.profiles->add(play.unit_id, viewing_of(play), catalog->titles.at(play.title_id).facts);
    }
    out.push_back({true, {}});
  }
  return out;
}

Service::ForgetOutcome Service::forget_viewer(const std::string& unit_id) {
  Impl& s = *impl_;
  check_string("unit_id", unit_id, s.options.limits);
  // No decision may log the viewer between the flush and the rewrite.
  std::unique_lock gate(s.gate);
  if (!s.writer->healthy() || !s.writer->flush(std::chrono::seconds(5))) {
    throw ServiceError(503, "", "the ledger is not writable; nothing forgotten (retry when "
                                "/readyz is ready)");
  }
  ledger::ForgetResult r;
  {
    std::lock_guard lock(s.ledger_mu);
    r = ledger::forget_viewer(*s.ledger, unit_id);
  }
  if (s.profiles) s.profiles->forget(unit_id);
  std::vector<std::string> titles;
  for (const auto& [id, title] : s.current_catalog()->titles) titles.push_back(id);
  {
    std::shared_lock lock(s.learners_mu);
    for (auto& [scope, learner] : s.learners) learner->forget_unit(unit_id, titles);
  }
  return {r.exposures, r.plays, r.snapshots, r.files_clean};
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() { shutdown(); }

std::unique_ptr<Service> Service::open(const ServiceOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  impl->ledger.emplace(ledger::Ledger::open(options.ledger_path,
                                             {.create = false, .files_dir = options.files_dir}));
  impl->load_catalog();
  if (impl->model_from_ledger()) {
    adopt_newest_model(*impl);
    rebuild_churn_limits(*impl);
  } else if (options.restore) {
    restore_learners(*impl);
  }
  impl->writer = std::make_unique<LedgerWriter>(options.ledger_path, options.writer);
  if (options.profiles.enabled) {
    impl->recent.resize(Impl::kRecentDecisions);
    Impl* raw = impl.get();
    impl->profiles = std::make_unique<profiles::ProfileStore>(
        options.profiles.capacity, options.profiles.arithmetic,
        [raw](const std::string& unit, profiles::ViewerProfile& profile) {
          load_profile(*raw, unit, profile);
        });
    if (options.profiles.arithmetic.fitted) start_fitted_profiles(*impl);
  }
  impl->last_snapshot_ms = clock_ms();
  Impl* raw = impl.get();
  impl->expirer = std::thread([raw] { raw->run_expirer(); });
  name_thread(impl->expirer, "keyart-expirer");
  if (impl->model_from_ledger()) {
    impl->model_follower = std::thread([raw] { run_model_follower(*raw); });
    name_thread(impl->model_follower, "keyart-follower");
  }
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

// decide() in five steps: resolve the route, collect the candidates, decide,
// record the exposure, answer. Each step is a function of its own in the
// anonymous namespace above; they pass references into the catalogue and the
// thread's scratch, so splitting adds no allocation or copy.
namespace {
DecideResult decide_checked(Service::Impl& s, const CatalogCache& catalog,
                            const DecideRequest& req, const Route& route,
                            const std::optional<engine::EventId>& client_id = std::nullopt);
}  // namespace

DecideResult Service::decide(const DecideRequest& req) {
  Impl& s = *impl_;
  try {
    validate_viewer(req, s.options.limits);
    validate_impression(req, s.options.limits);
    if (req.client_event_id) {
      if (std::string why = ledger::client_event_id_problem(*req.client_event_id); !why.empty()) {
        bad("event_id", why);
      }
      if (req.preview) bad("event_id", "a preview logs nothing, so it takes no event_id");
    }
  } catch (const ServiceError&) {
    ++s.bad_requests;
    throw;
  }
  auto catalog = s.current_catalog();
  const Route route = resolve_route(s, *catalog, req);
  if (!req.client_event_id) return decide_checked(s, *catalog, req, route);

  // A client's id: the first answer for it, or a conflict, or a new decision.
  const engine::EventId id = ledger::client_event_id(*req.client_event_id);
  DecideResult out;
  switch (s.client_events.claim(id, request_fingerprint(req),
                                req.now_ms ? req.now_ms : clock_ms(), out)) {
    case ClientEvents::Claim::kSame: return out;
    case ClientEvents::Claim::kConflict:
      ++s.bad_requests;
      throw ServiceError(409, "event_id", "event id '" + *req.client_event_id +
                                              "' was already used for a different request");
    case ClientEvents::Claim::kInProgress:
      ++s.bad_requests;
      throw ServiceError(409, "event_id", "event id '" + *req.client_event_id +
                                              "' is being decided by another request; retry");
    case ClientEvents::Claim::kNew: break;
  }
  try {
    out = decide_checked(s, *catalog, req, route, id);
  } catch (...) {
    s.client_events.abandon(id);
    throw;
  }
  out.client_event_id = req.client_event_id;
  if (out.fallback) {
    s.client_events.abandon(id);  // not logged: a retry decides again
  } else {
    s.client_events.settle(id, out);
  }
  return out;
}

namespace {

// The two slots an event id may occupy in Impl::recent.
size_t recent_slot(const engine::EventId& id) {
  return engine::EventIdHash()(id) & (Service::Impl::kRecentDecisions - 1) & ~size_t{1};
}

// Asks for the decision's two slots to be brought into cache while the
// exposure and the answer are built: they are cold (a slot a decision).
void prefetch_recent(const Service::Impl& s, const engine::EventId& id) {
  const char* first = reinterpret_cast<const char*>(&s.recent[recent_slot(id)]);
  for (size_t at = 0; at < 2 * sizeof(Service::Impl::RecentDecision); at += 64) {
    __builtin_prefetch(first + at, 1);
  }
}

// A logged decision's viewer, title and time, for the play and completion
// rewards that may follow (Impl::recent).
void remember_decision(Service::Impl& s, const engine::EventId& id, const std::string& unit,
                       const std::string& title, int64_t now) {
  const size_t first = recent_slot(id);
  std::lock_guard lock(s.recent_mu);
  Service::Impl::RecentDecision* a = &s.recent[first];
  Service::Impl::RecentDecision* b = &s.recent[first + 1];
  Service::Impl::RecentDecision& slot = b->seq < a->seq ? *b : *a;  // the older (or empty)
  slot.id = id;
  slot.unit_id.assign(unit);
  slot.title_id.assign(title);
  slot.ts = now;
  slot.seq = ++s.recent_seq;
}

// Steps 2-5 for a request already checked and routed, on the catalogue
// given; client_id: the decision's event id, when the client chose it.
DecideResult decide_checked(Service::Impl& s, const CatalogCache& catalog,
                            const DecideRequest& req, const Route& route,
                            const std::optional<engine::EventId>& client_id) {
  Scratch& tl = scratch;
  const int default_index = collect_candidates(s, catalog, route, req, tl);
  const int64_t now = req.now_ms ? req.now_ms : clock_ms();

  std::shared_lock gate(s.gate);
  Choice choice = choose(s, route, req, default_index, now, client_id, tl);
  if (!choice.learner) {
    DecideResult out = fallback_answer(route, tl, default_index, now, client_id,
                                       std::move(choice.fallback_reason));
    if (req.preview) {
      out.event_id.clear();
      out.preview = true;
      return out;
    }
    ++s.fallbacks;
    return out;
  }
  if (s.profiles && !req.preview) prefetch_recent(s, tl.decision.event_id);
  ledger::Exposure exposure = exposure_of(route, req, tl, *choice.learner, now);
  if (req.preview) {
    exposure.event_id.clear();
    DecideResult out = answer_of(exposure, tl, true);
    out.preview = true;
    return out;
  }
  DecideResult out = answer_of(exposure, tl, req.want_scores);
  out.position = req.position;
  if (req.defer_activation) {
    out.deferred = true;
    ledger::Reward mark{exposure.event_id, std::string(engine::kDeferredMark), 1, now};
    s.writer->submit_reserved(std::move(exposure));  // the places choose() reserved
    s.writer->submit_reserved(std::move(mark));
    ++s.deferred_decisions;
  } else {
    s.writer->submit_reserved(std::move(exposure));  // the place choose() reserved
  }
  if (s.profiles) remember_decision(s, tl.decision.event_id, req.unit_id, route.title->id, now);
  ++s.decisions;
  return out;
}

}  // namespace

std::vector<DecideResult> Service::decide_page(const DecidePageRequest& page) {
  Impl& s = *impl_;
  const ServiceLimits& limits = s.options.limits;
  auto catalog = s.current_catalog();
  // One request for every tile: the viewer's part copied once, the
  // impression's part (title, eligible, seed, position) set per tile.
  DecideRequest tile;
  tile.unit_id = page.unit_id;
  tile.context = page.context;
  tile.user = page.user;
  tile.experiment_id = page.experiment_id;
  tile.want_scores = page.want_scores;
  tile.defer_activation = page.defer_activation;
  tile.now_ms = page.now_ms;
  auto set_impression = [&](size_t i) {
    const PageImpression& imp = page.impressions[i];
    tile.title_id = imp.title_id;
    tile.eligible = imp.eligible;
    if (page.seed) tile.seed = *page.seed + i;
    tile.position = imp.position ? *imp.position : static_cast<int64_t>(i);
  };
  // Every impression checked (400) and routed (404) before any is decided,
  // so a page with a bad impression logs nothing.
  try {
    check_string("unit_id", page.unit_id, limits);
    if (page.impressions.empty()) bad("impressions", "the page has no impressions");
    if (page.impressions.size() > limits.max_page_impressions) {
      bad("impressions", "more than " + std::to_string(limits.max_page_impressions) +
                             " impressions on one page");
    }
    if (page.max_same_actor && *page.max_same_actor < 1) {
      bad("max_same_actor", "max_same_actor must be at least 1");
    }
    std::unordered_set<std::string_view> titles;
    for (size_t i = 0; i < page.impressions.size(); ++i) {
      if (!titles.insert(page.impressions[i].title_id).second) {
        bad("impressions", "title '" + page.impressions[i].title_id + "' is on the page twice");
      }
      set_impression(i);
      if (*tile.position < 0) bad("impressions", "a position must be >= 0");
      if (i == 0) validate_viewer(tile, limits);
      validate_impression(tile, limits);
    }
  } catch (const ServiceError&) {
    ++s.bad_requests;
    throw;
  }
  std::vector<Route> routes;
  routes.reserve(page.impressions.size());
  for (size_t i = 0; i < page.impressions.size(); ++i) {
    set_impression(i);
    routes.push_back(resolve_route(s, *catalog, tile));
    collect_candidates(s, *catalog, routes.back(), tile, scratch);  // 404 for an unknown variant
  }
  // In page order; with the rule, each tile among the candidates that keep it.
  struct PageScope {  // Scratch::page, for this page's tiles only
    explicit PageScope(Scratch& tl) : page(tl.page) { page = {.active = true}; }
    ~PageScope() { page.active = page.tastes_read = page.request_logged = false; }
    Scratch::Page& page;
  } page_scope(scratch);
  std::unordered_map<engine::FeatureKey, int> shown_per_actor;
  std::vector<DecideResult> out;
  out.reserve(page.impressions.size());
  for (size_t i = 0; i < page.impressions.size(); ++i) {
    set_impression(i);
    bool relaxed = false;
    if (page.max_same_actor) {
      const CachedTitle& title = *routes[i].title;
      std::vector<std::string> allowed;
      size_t considered = 0;
      auto consider = [&](const CachedVariant& v) {
        ++considered;
        const engine::FeatureKey actor = v.prepared.affinity_key;
        if (actor == 0 || shown_per_actor[actor] < *page.max_same_actor) allowed.push_back(v.id);
      };
      if (tile.eligible.empty()) {
        for (const CachedVariant* v : title.active) consider(*v);
      } else {
        for (const std::string& id : tile.eligible) consider(catalog->variants.at(id));
      }
      if (allowed.empty()) {
        relaxed = true;
      } else if (allowed.size() < considered) {
        tile.eligible = std::move(allowed);
      }
    }
    DecideResult d = decide_checked(s, *catalog, tile, routes[i]);
    d.page_rule_relaxed = relaxed;
    auto shown = catalog->variants.find(d.variant_id);
    if (shown != catalog->variants.end() && shown->second.prepared.affinity_key != 0) {
      ++shown_per_actor[shown->second.prepared.affinity_key];
    }
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

// What reward() and activate() share once the kind and value are checked:
// the learner's verdict (or, following a trainer, none), and the row for the
// ledger with its acknowledgement.
engine::EventId event_id_or_400(Service::Impl& s, std::string_view event_id) {
  engine::EventId id;
  if (!engine::parse_event_id(event_id, id)) {
    ++s.bad_requests;
    bad("event_id", "event_id must be 32 hex digits");
  }
  return id;
}

// A play or completion reward is a viewing of its exposure's title: a plays
// row keyed by the event id (the ledger fills in the viewer, title and time
// from the exposure), and, when the decision is recent, the viewer's
// profile at once. Both rewards of one exposure are one viewing.
void count_as_play(Service::Impl& s, const engine::EventId& id, std::string_view kind) {
  const std::string hex = engine::to_hex(id);
  ledger::Play play{hex, "", "", 0, std::nullopt, kind == "completion"};
  if (!s.writer->submit(play)) return;  // queue full: the profile misses it, the reward stands
  std::optional<Service::Impl::RecentDecision> recent;
  {
    const size_t first = recent_slot(id);
    std::lock_guard lock(s.recent_mu);
    for (size_t i = first; i < first + 2; ++i) {
      if (s.recent[i].seq != 0 && s.recent[i].id == id) recent = s.recent[i];
    }
  }
  if (!recent) return;
  const auto catalog = s.current_catalog();
  auto title = catalog->titles.find(recent->title_id);
  if (title == catalog->titles.end()) return;
  play.unit_id = recent->unit_id;
  play.title_id = recent->title_id;
  play.ts = recent->ts;
  s.profiles->add(play.unit_id, viewing_of(play), title->second.facts);
}

RewardResult record_after(Service::Impl& s, std::string_view event_id, const engine::EventId& id,
                          std::string_view kind, double value, int64_t now_ms,
                          RewardCallback on_recorded, AckDeadline deadline) {
  int64_t now = now_ms ? now_ms : clock_ms();
  std::shared_lock gate(s.gate);
  if (!s.accepting) throw ServiceError(503, "", "the service is shutting down");
  if (!s.writer->reserve()) throw ServiceError(503, "", "the ledger queue is full; retry");
  RewardResult result;
  if (s.model_from_ledger()) {
    result.deferred = true;
    ++(kind == engine::kActivatedMark ? s.activations : s.rewards_deferred);
  } else {
    {
      std::shared_lock lock(s.learners_mu);
      for (auto& [scope, learner] : s.learners) {
        result.status = learner->reward(id, kind, value, now);
        if (result.status != engine::RewardStatus::unknown_event) break;
      }
    }
    result.learned = result.status == engine::RewardStatus::applied;
    if (kind == engine::kActivatedMark) {
      if (result.learned) ++s.activations;
    } else switch (result.status) {
      case engine::RewardStatus::applied: ++s.rewards; break;
      case engine::RewardStatus::duplicate: ++s.reward_duplicates; break;
      case engine::RewardStatus::late: ++s.reward_late; break;
      default: ++s.reward_unknown; break;
    }
  }
  std::shared_ptr<RewardAck> ack;
  RewardCallback on_done;
  if (on_recorded) {
    ack = std::make_shared<RewardAck>(s.rewards_acknowledged, std::move(on_recorded));
    on_done = [ack](RewardOutcome outcome, const std::string& reason) {
      ack->finish(outcome, reason);
    };
  }
  s.writer->submit_reserved(ledger::Reward{std::string(event_id), std::string(kind), value, now},
                            std::move(on_done));
  if (ack && deadline.run_after) {
    deadline.run_after(deadline.after, [weak = std::weak_ptr<RewardAck>(ack)] {
      if (auto pending = weak.lock()) {
        pending->finish(RewardOutcome::kTimedOut, "not committed by the deadline");
      }
    });
  }
  return result;
}

}  // namespace

RewardResult Service::reward(std::string_view event_id, std::string_view kind, double value,
                             int64_t now_ms, RewardCallback on_recorded, AckDeadline deadline) {
  Impl& s = *impl_;
  const engine::EventId id = event_id_or_400(s, event_id);
  if (s.options.learner.rewards.index(kind) < 0) {
    ++s.bad_requests;
    bad("kind", "reward kind '" + std::string(kind.substr(0, 64)) + "' is not one of " +
                    s.options.learner.rewards.to_string());
  }
  if (!std::isfinite(value) || std::abs(value) > 1e9) {
    ++s.bad_requests;
    bad("value", "value must be a finite number");
  }
  RewardResult result =
      record_after(s, event_id, id, kind, value, now_ms, std::move(on_recorded), deadline);
  if (s.profiles && (kind == "play" || kind == "completion")) count_as_play(s, id, kind);
  return result;
}

RewardResult Service::activate(std::string_view event_id, int64_t now_ms,
                               RewardCallback on_recorded, AckDeadline deadline) {
  const engine::EventId id = event_id_or_400(*impl_, event_id);
  return record_after(*impl_, event_id, id, engine::kActivatedMark, 1, now_ms,
                      std::move(on_recorded), deadline);
}

void Service::wait_profiles_fitted() {
  if (impl_->profiles) impl_->profiles->wait_fitted();
}

void Service::reload() {
  std::unique_lock gate(impl_->gate);
  impl_->load_catalog();
}

void Service::start_experiment(const std::string& experiment_id) {
  {
    std::lock_guard lock(impl_->ledger_mu);
    ledger::start_experiment(*impl_->ledger, experiment_id);
  }
  reload();
}

void Service::stop_experiment(const std::string& experiment_id) {
  {
    std::lock_guard lock(impl_->ledger_mu);
    ledger::stop_experiment(*impl_->ledger, experiment_id);
  }
  reload();
}

SnapshotInfo Service::snapshot() {
  if (impl_->model_from_ledger()) {
    throw ServiceError(409, "", "this service follows the trainer's model; it takes no snapshots");
  }
  return take_snapshot(*impl_);
}

size_t Service::expire(int64_t now_ms) {
  std::shared_lock gate(impl_->gate);
  std::shared_lock lock(impl_->learners_mu);
  size_t n = 0;
  for (auto& [scope, learner] : impl_->learners) n += learner->expire(now_ms);
  return n;
}

void Service::flush() { impl_->writer->flush(); }

void Service::shutdown() {
  Impl& s = *impl_;
  if (!s.accepting.exchange(false)) return;
  {
    std::lock_guard lock(s.expirer_mu);
    s.stop_expirer = true;
  }
  s.expirer_cv.notify_all();
  if (s.expirer.joinable()) s.expirer.join();
  if (s.model_follower.joinable()) s.model_follower.join();
  if (!s.model_from_ledger()) {
    try {
      take_snapshot(s);
    } catch (const std::exception&) {
      // The ledger replay on the next start covers what the snapshot missed.
    }
  }
  s.writer->stop();
}

ServiceStats Service::stats() const {
  const Impl& s = *impl_;
  ServiceStats out;
  out.decisions = s.decisions;
  out.fallbacks = s.fallbacks;
  out.rewards = s.rewards;
  out.reward_duplicates = s.reward_duplicates;
  out.reward_unknown = s.reward_unknown;
  out.reward_late = s.reward_late;
  out.bad_requests = s.bad_requests;
  out.not_found = s.not_found;
  out.rewards_acknowledged = s.rewards_acknowledged;
  out.rewards_deferred = s.rewards_deferred;
  out.plays_accepted = s.plays_accepted;
  out.plays_refused = s.plays_refused;
  if (s.profiles) out.profiles = s.profiles->stats();
  out.deferred_decisions = s.deferred_decisions;
  out.activations = s.activations;
  out.writer = s.writer->stats();
  out.catalog_reloads = s.catalog_reloads;
  out.catalog_version = s.catalog_version;
  out.degraded = out.writer.degraded;
  if (s.model_from_ledger()) {
    out.model.from_ledger = true;
    out.model.version = s.model_version;
    out.model.published_at_ms = s.model_published_at;
    out.model.adoptions = s.model_adoptions;
    out.model.poll_failures = s.model_poll_failures;
    // Stale: no model at all yet, or none newer for trainer_stale_ms.
    out.model.trainer_stale =
        out.model.version == 0 || clock_ms() - out.model.published_at_ms > s.options.trainer_stale_ms;
    out.degraded = out.degraded || out.model.trainer_stale;
    std::vector<int64_t> pickups;
    {
      std::lock_guard lock(s.pickup_mu);
      pickups.assign(s.pickup_ms.begin(), s.pickup_ms.end());
    }
    if (!pickups.empty()) {
      std::sort(pickups.begin(), pickups.end());
      auto at = [&](double q) { return pickups[static_cast<size_t>(q * (pickups.size() - 1))]; };
      out.model.pickup_p50_ms = at(0.5);
      out.model.pickup_p99_ms = at(0.99);
      out.model.pickup_max_ms = pickups.back();
    }
  }
  std::shared_lock lock(s.learners_mu);
  out.learners = s.learners.size();
  for (const auto& [scope, learner] : s.learners) out.pending += learner->stats().pending;
  return out;
}

bool Service::healthy() const { return impl_->writer->healthy(); }

const ServiceOptions& Service::options() const { return impl_->options; }

std::optional<std::string> Service::learner_state(const std::string& scope) const {
  engine::Learner* learner = impl_->learner_for(scope);
  if (!learner) return std::nullopt;
  return learner->policy_state();
}

std::vector<std::string> Service::learner_scopes() const {
  std::shared_lock lock(impl_->learners_mu);
  std::vector<std::string> out;
  for (const auto& [scope, learner] : impl_->learners) out.push_back(scope);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Service::describe() const {
  auto catalog = impl_->current_catalog();
  size_t running = 0;
  for (const auto& [id, e] : catalog->experiments) running += e.status == "running" ? 1 : 0;
  std::string text = "ledger " + impl_->options.ledger_path + ": " +
                     std::to_string(catalog->titles.size()) + " titles, " +
                     std::to_string(catalog->variants.size()) + " variants, " +
                     std::to_string(running) + " running experiments, " +
                     std::to_string(learner_scopes().size()) + " learners";
  std::optional<SnapshotInfo> last;
  {
    std::lock_guard lock(impl_->ledger_mu);  // snapshots write it under this lock
    last = impl_->last_snapshot;
  }
  if (impl_->model_from_ledger()) {
    int64_t version = impl_->model_version;
    text += version ? "; model version " + std::to_string(version) + " from the trainer"
                    : std::string("; no trainer model yet (untrained learners until one is published)");
  } else if (last) {
    text += "; model from snapshot " + std::to_string(last->snapshot_id) +
            " + ledger after exposure " + std::to_string(last->last_exposure_id);
  } else {
    text += "; model rebuilt from the ledger";
  }
  return text;
}

}  // namespace keyart::serving
