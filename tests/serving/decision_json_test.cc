// The fast JSON of the decide endpoints (serving/src/decision_json.h)
// against an independent reading and writing of the same JSON with
// nlohmann, written here from the API's rules (docs/SERVING.md): whatever
// the fast reader accepts, the reference reads to the same request; what it
// declines is left to the full reading (whose error messages the HTTP tests
// check); the plain bodies clients send are accepted (or the fast path
// would be dead); and an answer written directly parses to the same values
// as the reference's, names in the same order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "decision_json.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;
constexpr int kDepth = 8;

// The reference: nlohmann's reading, by the documented rules; nullopt where
// the API answers 400.
std::optional<engine::NamedFeatures> ref_features(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return engine::NamedFeatures();
  if (!it->is_object()) return std::nullopt;
  for (const auto& [k, v] : it->items()) {
    if (!v.is_number() && !v.is_string() && !v.is_boolean()) return std::nullopt;
  }
  return engine::NamedFeatures::from_json(*it);
}

std::optional<std::vector<std::string>> ref_ids(const json& doc) {
  std::vector<std::string> ids;
  auto it = doc.find("eligible");
  if (it == doc.end() || it->is_null()) return ids;
  if (!it->is_array()) return std::nullopt;
  for (const auto& id : *it) {
    if (!id.is_string()) return std::nullopt;
    ids.push_back(id);
  }
  return ids;
}

template <typename Request>
bool ref_shared(const json& doc, Request& r) {
  auto context = ref_features(doc, "context");
  auto user = ref_features(doc, "user");
  if (!context || !user) return false;
  r.context = *context;
  r.user = *user;
  if (auto e = doc.find("experiment_id"); e != doc.end() && !e->is_null()) {
    if (!e->is_string()) return false;
    if (!e->get<std::string>().empty()) r.experiment_id = e->get<std::string>();
  }
  if (auto s = doc.find("seed"); s != doc.end() && !s->is_null()) {
    if (!s->is_number_unsigned()) return false;
    r.seed = s->get<uint64_t>();
  }
  if (auto x = doc.find("explain"); x != doc.end() && !x->is_null()) {
    if (!x->is_boolean()) return false;
    r.want_scores = x->get<bool>();
  }
  if (auto x = doc.find("defer_activation"); x != doc.end() && !x->is_null()) {
    if (!x->is_boolean()) return false;
    r.defer_activation = x->get<bool>();
  }
  return true;
}

std::optional<json> ref_parse(const std::string& body) {
  int deepest = 0;
  auto doc = json::parse(body, [&](int depth, json::parse_event_t, json&) {
    deepest = std::max(deepest, depth);
    return true;
  }, false);
  if (doc.is_discarded() || !doc.is_object() || deepest >= kDepth) return std::nullopt;
  return doc;
}

std::optional<DecideRequest> ref_decide(const std::string& body) {
  auto doc = ref_parse(body);
  if (!doc) return std::nullopt;
  DecideRequest r;
  for (const char* field : {"unit_id", "title_id"}) {
    auto it = doc->find(field);
    if (it == doc->end() || !it->is_string()) return std::nullopt;
  }
  r.unit_id = (*doc)["unit_id"];
  r.title_id = (*doc)["title_id"];
  auto ids = ref_ids(*doc);
  if (!ids || !ref_shared(*doc, r)) return std::nullopt;
  r.eligible = *ids;
  if (auto p = doc->find("preview"); p != doc->end() && !p->is_null()) {
    if (!p->is_boolean()) return std::nullopt;
    r.preview = p->get<bool>();
  }
  if (auto e = doc->find("event_id"); e != doc->end() && !e->is_null()) {
    if (!e->is_string()) return std::nullopt;
    r.client_event_id = e->get<std::string>();
  }
  return r;
}

std::optional<DecidePageRequest> ref_page(const std::string& body, size_t max_impressions) {
  auto doc = ref_parse(body);
  if (!doc) return std::nullopt;
  DecidePageRequest r;
  auto unit = doc->find("unit_id");
  if (unit == doc->end() || !unit->is_string()) return std::nullopt;
  r.unit_id = *unit;
  if (!ref_shared(*doc, r)) return std::nullopt;
  if (auto cap = doc->find("max_same_actor"); cap != doc->end() && !cap->is_null()) {
    if (!cap->is_number_integer() || cap->get<int64_t>() < 1) return std::nullopt;
    r.max_same_actor = static_cast<int>(std::min<int64_t>(cap->get<int64_t>(), max_impressions));
  }
  auto list = doc->find("impressions");
  if (list == doc->end() || !list->is_array() || list->size() > max_impressions) return std::nullopt;
  for (const auto& item : *list) {
    if (!item.is_object()) return std::nullopt;
    auto title = item.find("title_id");
    if (title == item.end() || !title->is_string()) return std::nullopt;
    PageImpression imp;
    imp.title_id = *title;
    if (auto pos = item.find("position"); pos != item.end() && !pos->is_null()) {
      if (!pos->is_number_unsigned()) return std::nullopt;
      imp.position = static_cast<int64_t>(pos->get<uint64_t>());
    }
    auto ids = ref_ids(item);
    if (!ids) return std::nullopt;
    imp.eligible = *ids;
    r.impressions.push_back(imp);
  }
  return r;
}

std::string spelled(const engine::NamedFeatures& f) {
  std::string out;
  for (const auto& v : f.values()) {
    out += v.name + "=" + (v.is_text ? "'" + v.text + "'" : json(v.number).dump()) + ";";
  }
  return out;
}

template <typename Request>
void expect_same_shared(const Request& a, const Request& b) {
  EXPECT_EQ(spelled(a.context), spelled(b.context));
  EXPECT_EQ(spelled(a.user), spelled(b.user));
  EXPECT_EQ(a.experiment_id, b.experiment_id);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.want_scores, b.want_scores);
}

const std::vector<std::string> kPlainDecides = {
    R"({"unit_id":"u1","title_id":"t1"})",
    R"({"unit_id":"user-0042","title_id":"t1","context":{"device":"tv","hour":21,"country":"KR"},)"
    R"("user":{"actor_a028":0.9,"genre_drama":1.05,"activity":-1.5e-3},"eligible":["t1-v1","t1-v2"],)"
    R"("experiment_id":"e1","seed":7,"explain":true})",
    R"({ "unit_id" : "u\u00e9\n", "title_id" : "t1", "context" : { "b" : true, "a" : false } })",
    R"({"unit_id":"u","title_id":"t","user":{"x":1,"x":2},"extra":{"deep":[1,[2,{"a":null}]]}})",
    R"({"unit_id":"u","title_id":"t","seed":18446744073709551615,"experiment_id":""})",
    R"({"unit_id":"u","title_id":"t","context":null,"user":null,"eligible":null,"seed":null})",
    R"({"unit_id":"u","title_id":"t","preview":true})",
    R"({"unit_id":"u","title_id":"t","defer_activation":true,"defer_activation":null})",
    R"({"unit_id":"u","title_id":"t","defer_activation":true})",
    R"({"unit_id":"u","title_id":"t","event_id":"order-17/retry","event_id":null})",
    R"({"unit_id":"u","title_id":"t","event_id":"4f1c2a7e-client"})",
};

const std::vector<std::string> kOddDecides = {
    "", "[]", "null", "{", R"({"unit_id":"u"})", R"({"title_id":"t"})",
    R"({"unit_id":null,"title_id":"t"})", R"({"unit_id":5,"title_id":"t"})",
    R"({"unit_id":"u","title_id":"t","seed":-1})", R"({"unit_id":"u","title_id":"t","seed":-0})",
    R"({"unit_id":"u","title_id":"t","seed":1.0})", R"({"unit_id":"u","title_id":"t","seed":1e2})",
    R"({"unit_id":"u","title_id":"t","seed":99999999999999999999999})",
    R"({"unit_id":"u","title_id":"t","explain":1})", R"({"unit_id":"u","title_id":"t","eligible":"v"})",
    R"({"unit_id":"u","title_id":"t","eligible":["v",1]})",
    R"({"unit_id":"u","title_id":"t","context":[]})", R"({"unit_id":"u","title_id":"t","user":{"a":null}})",
    R"({"unit_id":"u","title_id":"t","user":{"a":{"b":1}}})", R"({"unit_id":"u","title_id":"t","user":{"a":1e999}})",
    R"({"unit_id":"u","title_id":"t","user":{"a":123456789012345678901234567890}})",
    R"({"unit_id":"u","title_id":"t","unit_id":null})", R"({"unit_id":"u","title_id":"t"} x)",
    "{\"unit_id\":\"u\xff\",\"title_id\":\"t\"}",
    R"({"unit_id":"u","title_id":"t","x":[[[[[[[[[1]]]]]]]]]})",
    R"({"unit_id":"u","title_id":"t","x":[[[[[1]]]]]})",
    R"({"unit_id":"u","title_id":"t","experiment_id":7})",
    R"({"unit_id":"u","title_id":"t","preview":"yes"})",
    R"({"unit_id":"u","title_id":"t","defer_activation":1})",
    R"({"unit_id":"u","title_id":"t","event_id":17})",
};

TEST(DecisionJson, FastDecideReadingAgreesWithTheReference) {
  for (const auto* list : {&kPlainDecides, &kOddDecides}) {
    for (const std::string& body : *list) {
      SCOPED_TRACE(body);
      DecideRequest fast;
      const bool accepted = read_decide_fast(body, kDepth, fast);
      auto ref = ref_decide(body);
      if (list == &kPlainDecides) {
        EXPECT_TRUE(accepted);
        ASSERT_TRUE(ref.has_value());
      }
      if (!accepted) continue;
      ASSERT_TRUE(ref.has_value()) << "accepted what the API refuses";
      EXPECT_EQ(fast.unit_id, ref->unit_id);
      EXPECT_EQ(fast.title_id, ref->title_id);
      EXPECT_EQ(fast.eligible, ref->eligible);
      EXPECT_EQ(fast.preview, ref->preview);
      EXPECT_EQ(fast.defer_activation, ref->defer_activation);
      EXPECT_EQ(fast.client_event_id, ref->client_event_id);
      expect_same_shared(fast, *ref);
    }
  }
}

TEST(DecisionJson, FastPageReadingAgreesWithTheReference) {
  const std::vector<std::string> plain = {
      R"({"unit_id":"u","impressions":[{"title_id":"t1"},{"title_id":"t2","position":0},)"
      R"({"title_id":"t3","position":7,"eligible":["t3-v1"]}],"max_same_actor":2,"context":{"device":"tv"}})",
      R"({"unit_id":"u","impressions":[],"max_same_actor":null})",
      R"({"unit_id":"u","impressions":[{"title_id":"a","title_id":"b","position":null}],"max_same_actor":500})",
  };
  const std::vector<std::string> odd = {
      R"({"unit_id":"u"})", R"({"unit_id":"u","impressions":{}})",
      R"({"unit_id":"u","impressions":[{"position":1}]})", R"({"unit_id":"u","impressions":[1]})",
      R"({"unit_id":"u","impressions":[{"title_id":"t","position":-0}]})",
      R"({"unit_id":"u","impressions":[{"title_id":"t","position":-3}]})",
      R"({"unit_id":"u","impressions":[{"title_id":"t","position":1.5}]})",
      R"({"unit_id":"u","impressions":[],"max_same_actor":0})",
      R"({"unit_id":"u","impressions":[],"max_same_actor":1.0})",
      R"({"unit_id":"u","impressions":[],"max_same_actor":18446744073709551615})",
      R"({"unit_id":"u","impressions":[{"title_id":"a"},{"title_id":"b"},{"title_id":"c"},{"title_id":"d"}]})",
      R"({"unit_id":"u","impressions":[{"title_id":"t","eligible":[null]}]})",
  };
  constexpr size_t kMax = 3;
  for (const auto* list : {&plain, &odd}) {
    for (const std::string& body : *list) {
      SCOPED_TRACE(body);
      DecidePageRequest fast;
      const bool accepted = read_page_fast(body, kDepth, kMax, fast);
      auto ref = ref_page(body, kMax);
      if (list == &plain) {
        EXPECT_TRUE(accepted);
        ASSERT_TRUE(ref.has_value());
      }
      if (!accepted) continue;
      ASSERT_TRUE(ref.has_value()) << "accepted what the API refuses";
      EXPECT_EQ(fast.unit_id, ref->unit_id);
      EXPECT_EQ(fast.max_same_actor, ref->max_same_actor);
      ASSERT_EQ(fast.impressions.size(), ref->impressions.size());
      for (size_t i = 0; i < fast.impressions.size(); ++i) {
        EXPECT_EQ(fast.impressions[i].title_id, ref->impressions[i].title_id);
        EXPECT_EQ(fast.impressions[i].position, ref->impressions[i].position);
        EXPECT_EQ(fast.impressions[i].eligible, ref->impressions[i].eligible);
      }
      expect_same_shared(fast, *ref);
    }
  }
}

// The reference answer: the DecideResult as a nlohmann object (sorted names).
json ref_answer(const DecideResult& d) {
  json out = {{"event_id", d.preview ? json(nullptr) : json(d.event_id)},
              {"variant_id", d.variant_id}, {"uri", d.uri},
              {"propensity", d.propensity},
              {"experiment_id", d.experiment_id ? json(*d.experiment_id) : json(nullptr)},
              {"arm_id", d.arm_id ? json(*d.arm_id) : json(nullptr)}, {"policy", d.policy},
              {"model_version", d.model_version}, {"fallback", d.fallback}, {"repeat", d.repeat}};
  if (d.fallback) out["fallback_reason"] = d.fallback_reason;
  if (d.position) out["position"] = *d.position;
  if (d.page_rule_relaxed) out["page_rule_relaxed"] = true;
  if (d.preview) out["preview"] = true;
  if (d.deferred) out["deferred"] = true;
  if (d.client_event_id) out["client_event_id"] = *d.client_event_id;
  if (!d.candidates.empty()) {
    for (const auto& c : d.candidates) {
      json item = {{"variant_id", c.variant_id}, {"probability", c.probability}};
      if (c.score) item["score"] = *c.score;
      out["candidates"].push_back(item);
    }
  }
  return out;
}

std::vector<std::string> names(const nlohmann::ordered_json& object) {
  std::vector<std::string> out;
  for (const auto& [k, v] : object.items()) out.push_back(k);
  return out;
}

TEST(DecisionJson, DirectAnswerParsesToTheReferenceValuesInNameOrder) {
  DecideResult plain;
  plain.event_id = "0123456789abcdef0123456789abcdef";
  plain.variant_id = "t1-v2";
  plain.uri = "file:///art/t1 \"v2\".jpg";
  plain.propensity = 0.1;
  plain.policy = "hybrid-linucb";
  plain.model_version = 18446744073709551615ull;
  DecideResult full = plain;
  full.experiment_id = "e1";
  full.arm_id = "bandit";
  full.propensity = 1.0;
  full.fallback = true;
  full.fallback_reason = "policy failed: \t\x01";
  full.repeat = true;
  full.page_rule_relaxed = true;
  full.position = 39;
  full.candidates = {{"t1-v1", 1e-5, 0.123456789012345678}, {"t1-v2", 0.99999, std::nullopt},
                     {"t1-v3", 0.0001, -2.5e300}};
  DecideResult preview = full;
  preview.preview = true;
  DecideResult deferred = full;
  deferred.deferred = true;
  deferred.client_event_id = "client-7";
  for (const DecideResult* d : {&plain, &full, &preview, &deferred}) {
    std::string text = "prefix";
    ASSERT_TRUE(append_decision_json(*d, text));
    ASSERT_EQ(text.substr(0, 6), "prefix");
    auto parsed = nlohmann::ordered_json::parse(text.substr(6));
    json reference = ref_answer(*d);
    EXPECT_EQ(json::parse(text.substr(6)), reference);
    EXPECT_EQ(names(parsed), names(nlohmann::ordered_json::parse(reference.dump())));
    for (const auto& c : parsed.value("candidates", nlohmann::ordered_json::array())) {
      EXPECT_EQ(names(c), names(nlohmann::ordered_json::parse(json(c).dump())));
    }
  }
  std::string page;
  ASSERT_TRUE(page_answer_json({plain, full}, 2, page));
  EXPECT_EQ(json::parse(page),
            (json{{"decisions", {ref_answer(plain), ref_answer(full)}}, {"max_same_actor", 2}}));
  ASSERT_TRUE(page_answer_json({plain}, std::nullopt, page));
  EXPECT_TRUE(json::parse(page)["max_same_actor"].is_null());
}

TEST(DecisionJson, TextBeyondAsciiIsLeftToTheFullWriter) {
  DecideResult d;
  d.event_id = "0123456789abcdef0123456789abcdef";
  d.variant_id = "t1-v\xc3\xa9";
  d.policy = "fixed";
  std::string text = "kept";
  EXPECT_FALSE(append_decision_json(d, text));
  EXPECT_EQ(text, "kept");
  std::string page;
  EXPECT_FALSE(page_answer_json({d}, std::nullopt, page));
}

}  // namespace
}  // namespace keyart::serving
