#include "keyart/ledger/decision_log.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "keyart/engine/context_fields.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/features_json.h"
#include "keyart/ledger/json_string.h"
#include "keyart/ledger/variants.h"

namespace keyart::ledger {

namespace {

// JSON text written directly (this runs once per decision): strings by
// json_string.h, numbers in the shortest spelling that reads back to the
// same double (std::to_chars).
void append_string(std::string& out, std::string_view text) { append_json_string(out, text); }

void append_number(std::string& out, double number) {
  if (number == 0 && std::signbit(number)) {
    out += "-0.0";  // "-0" would read back as the integer 0
    return;
  }
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out.append(buf, end);
}

void append_features(std::string& out, const engine::NamedFeatures& features,
                     std::span<const std::pair<std::string, double>> more = {}) {
  out += '{';
  bool first = true;
  for (const auto& v : features.values()) {
    if (!first) out += ',';
    first = false;
    append_string(out, v.name);
    out += ':';
    if (v.is_text) {
      append_string(out, v.text);
    } else {
      append_number(out, v.number);
    }
  }
  for (const auto& [name, number] : more) {
    if (!first) out += ',';
    first = false;
    append_string(out, name);
    out += ':';
    append_number(out, number);
  }
  out += '}';
}

// The candidates' variant ids as a JSON array, replacing out.
template <typename Range, typename IdOf>
void append_candidates(std::string& out, const Range& candidates, IdOf id_of) {
  size_t guess = 2;
  for (const auto& c : candidates) guess += id_of(c).size() + 3;
  out.clear();
  out.reserve(guess);
  out += '[';
  for (const auto& c : candidates) {
    if (out.size() > 1) out += ',';
    append_string(out, id_of(c));
  }
  out += ']';
}

void encode_context(const engine::NamedFeatures& context, const engine::NamedFeatures& user,
                    std::span<const std::pair<std::string, double>> more_user,
                    const engine::EventId* repeat_of, Exposure& e) {
  std::string& doc = e.context_json;
  doc.clear();
  // Room for the usual document at once (names, values and punctuation),
  // not a reallocation per doubling.
  size_t guess = 64;
  for (const auto* features : {&context, &user}) {
    for (const auto& v : features->values()) guess += v.name.size() + (v.is_text ? v.text.size() : 24) + 6;
  }
  for (const auto& [name, number] : more_user) guess += name.size() + 30;
  doc.reserve(guess);
  doc += "{\"context\":";
  append_features(doc, context);
  doc += ",\"user\":";
  append_features(doc, user, more_user);
  if (repeat_of) {
    doc += ",\"repeat_of\":";
    append_string(doc, engine::to_hex(*repeat_of));
  }
  doc += '}';
  engine::ContextFields fields = engine::context_fields(context);
  if (fields.device) e.device = std::move(fields.device);
  if (fields.country) e.country = std::move(fields.country);
  if (fields.hour) e.hour = fields.hour;
}

}  // namespace

void encode_decision(const DecisionRecord& r, Exposure& e) {
  if (r.same_request && !r.decision->repeat) {
    copy_logged_request(*r.same_request, e);
  } else {
    encode_context(*r.context, *r.user, r.more_user,
                   r.decision->repeat ? &r.decision->repeat_of : nullptr, e);
  }
  append_candidates(e.candidates_json, r.candidates, [](const auto* v) -> auto& { return v->id; });
}

void copy_logged_request(const Exposure& from, Exposure& to) {
  to.context_json = from.context_json;
  to.device = from.device;
  to.country = from.country;
  to.hour = from.hour;
}

void encode_request(const engine::NamedFeatures& context, const engine::NamedFeatures& user,
                    Exposure& e) {
  encode_context(context, user, {}, nullptr, e);
}

std::string encode_candidates(std::span<const std::string> variant_ids) {
  std::string ids;
  append_candidates(ids, variant_ids, [](const std::string& id) -> auto& { return id; });
  return ids;
}

namespace {

// The context read through nlohmann and NamedFeatures::from_json (the
// engine's rule for named features): for what the fast reading below cannot
// read itself: numbers it refuses (integers beyond 64 bits).
bool decode_request_fully(std::string_view context_json, DecodedRequest& out,
                          std::string& reason) {
  auto doc = nlohmann::json::parse(context_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    reason = "the context is not a JSON object";
    return false;
  }
  try {
    if (auto c = doc.find("context"); c != doc.end()) {
      out.context = engine::NamedFeatures::from_json(*c);
    }
    if (auto u = doc.find("user"); u != doc.end()) out.user = engine::NamedFeatures::from_json(*u);
  } catch (const std::exception& e) {
    reason = e.what();
    return false;
  }
  out.repeat = doc.contains("repeat_of");
  return true;
}

}  // namespace

bool decode_request(std::string_view context_json, DecodedRequest& out, std::string& reason) {
  out = {};
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object top;
  auto error = parser.parse(context_json.data(), context_json.size()).get(doc);
  if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
    return decode_request_fully(context_json, out, reason);  // e.g. an integer beyond 64 bits
  }
  if (error || doc.get_object().get(top)) {
    reason = "the context is not a JSON object";
    return false;
  }
  // Repeated top-level names: the last wins, as in a parsed JSON object.
  std::optional<simdjson::dom::element> context, user;
  for (auto field : top) {
    if (field.key == "context") context = field.value;
    if (field.key == "user") user = field.value;
    if (field.key == "repeat_of") out.repeat = true;
  }
  if (context && !read_features(*context, out.context, reason)) return false;
  if (user && !read_features(*user, out.user, reason)) return false;
  return true;
}

struct CandidatesDecoder::Parser {
  simdjson::ondemand::parser parser;
  std::string buffer;
};

CandidatesDecoder::CandidatesDecoder() : parser_(std::make_unique<Parser>()) {}
CandidatesDecoder::~CandidatesDecoder() = default;

bool CandidatesDecoder::decode(std::string_view json, std::vector<std::string>& out) {
  out.clear();
  std::string& buffer = parser_->buffer;
  buffer.assign(json);
  buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document doc;
  if (parser_->parser.iterate(buffer.data(), json.size(), buffer.size()).get(doc)) return false;
  simdjson::ondemand::array array;
  if (doc.get_array().get(array)) return false;
  for (auto element : array) {
    std::string_view s;
    if (element.get_string().get(s)) {
      out.clear();
      return false;
    }
    out.emplace_back(s);
  }
  return true;
}

engine::NamedFeatures title_features(std::span<const std::string> genres,
                                     std::span<const std::string> actor_ids) {
  engine::NamedFeatures f;
  for (const auto& g : genres) f.set(std::string(engine::kGenrePrefix) + g, 1.0);
  for (const auto& a : actor_ids) f.set(std::string(engine::kCastPrefix) + a, 1.0);
  return f;
}

engine::NamedFeatures title_features(Ledger& ledger, std::string_view title_id) {
  auto title = find_title(ledger, title_id);
  if (!title) return {};
  std::vector<std::string> actors;
  for (const auto& m : list_cast(ledger, title_id)) actors.push_back(m.actor_id);
  return title_features(title->genres, actors);
}

engine::NamedFeatures arm_features_from_record(std::string_view features_json) {
  auto record = nlohmann::json::parse(features_json, nullptr, false);
  if (record.is_discarded() || !record.is_object()) return {};
  auto it = record.find("arm_features");
  if (it == record.end() || !it->is_object()) return {};
  return engine::NamedFeatures::from_json(*it);
}

std::string arm_features_record(const engine::NamedFeatures& arm_features,
                                std::string_view source) {
  nlohmann::json record = nlohmann::json::object();
  if (!source.empty()) record["source"] = source;
  record["arm_features"] = arm_features.to_json();
  return record.dump();
}

engine::NamedFeatures arm_features(Ledger& ledger, std::string_view variant_id) {
  auto f = latest_variant_features(ledger, variant_id);
  return f ? arm_features_from_record(f->features_json) : engine::NamedFeatures();
}

struct LedgerDecisionCatalog::Cache {
  struct Title {
    engine::NamedFeatures features;
    std::string default_variant;
  };
  std::unordered_map<std::string, Title> titles;
  std::unordered_map<std::string, std::optional<engine::PreparedVariant>> variants;  // none: unknown
};

LedgerDecisionCatalog::LedgerDecisionCatalog(Ledger& ledger)
    : ledger_(ledger), cache_(std::make_unique<Cache>()) {}
LedgerDecisionCatalog::~LedgerDecisionCatalog() = default;

namespace {

template <typename Cache>
const auto& title_of(Cache& cache, Ledger& ledger, std::string_view id) {
  auto it = cache.titles.find(std::string(id));
  if (it != cache.titles.end()) return it->second;
  typename decltype(cache.titles)::mapped_type info;
  if (auto t = find_title(ledger, id)) {
    info.features = title_features(ledger, id);
    info.default_variant = t->default_variant_id.value_or("");
  }
  return cache.titles.emplace(std::string(id), std::move(info)).first->second;
}

}  // namespace

const engine::NamedFeatures* LedgerDecisionCatalog::title_features(std::string_view title_id) {
  return &title_of(*cache_, ledger_, title_id).features;
}

std::string_view LedgerDecisionCatalog::default_variant(std::string_view title_id) {
  return title_of(*cache_, ledger_, title_id).default_variant;
}

const engine::PreparedVariant* LedgerDecisionCatalog::variant(std::string_view variant_id) {
  auto it = cache_->variants.find(std::string(variant_id));
  if (it != cache_->variants.end()) return it->second ? &*it->second : nullptr;
  const std::string id(variant_id);
  std::optional<engine::PreparedVariant> prepared;
  if (find_variant(ledger_, id)) prepared = engine::prepare_variant(id, arm_features(ledger_, id));
  auto& entry = cache_->variants.emplace(id, std::move(prepared)).first->second;
  return entry ? &*entry : nullptr;
}

std::optional<engine::LoggedDecision> logged_decision(const StoredExposure& row,
                                                      DecisionCatalog& catalog,
                                                      std::string& reason) {
  engine::LoggedDecision d;
  if (!engine::parse_event_id(row.event_id, d.event_id)) {
    reason = "bad event id";
    return std::nullopt;
  }
  d.time_ms = row.ts;
  d.unit = row.unit_id;
  d.title = row.title_id;
  d.propensity = row.propensity;
  DecodedRequest request;
  if (!decode_request(row.context_json, request, reason)) return std::nullopt;
  d.context = std::move(request.context);
  d.user = std::move(request.user);
  d.repeat = request.repeat;
  std::vector<std::string> ids;
  thread_local CandidatesDecoder decoder;
  if (!decoder.decode(row.candidates_json, ids)) {
    reason = "the candidates are not a JSON array of variant ids";
    return std::nullopt;
  }
  if (const engine::NamedFeatures* title = catalog.title_features(row.title_id)) {
    d.title_features = *title;
  }
  const std::string_view default_variant = catalog.default_variant(row.title_id);
  for (const std::string& id : ids) {
    const engine::PreparedVariant* v = catalog.variant(id);
    if (!v) {
      reason = "candidate '" + id + "' is not in the catalogue";
      return std::nullopt;
    }
    if (id == row.variant_id) d.chosen = static_cast<int>(d.candidates.size());
    d.candidates.push_back({id, {}, !default_variant.empty() && id == default_variant, v});
  }
  if (d.chosen < 0) {
    reason = "the shown variant is not among the candidates";
    return std::nullopt;
  }
  return d;
}

}  // namespace keyart::ledger
