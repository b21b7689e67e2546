// The decision log round trip: what the serving hook encodes into an
// exposure, stored in a real ledger and read back, gives the engine exactly
// the request it decided on (every context and user feature bit for bit,
// the candidates with their features and default, the chosen one, the
// propensity, the repeat flag, the title's features), and the special
// context fields land in their own columns. Imported and simulated
// exposures are checked in tests/analysis/import_logs.cc and
// tests/sim/sim_ledger_test.cc with the same decoder.
#include "keyart/ledger/decision_log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "keyart/engine/context_fields.h"
#include "keyart/engine/event_id.h"
#include "support/ledger_fixture.h"

namespace keyart::ledger {
namespace {

using testing::LedgerFixture;

// NamedFeatures equal value for value: names, kinds, texts and the numbers'
// bits (so 0.1 must come back as the same double, -0.0 as -0.0).
void expect_same(const engine::NamedFeatures& a, const engine::NamedFeatures& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const engine::NamedValue& x = a.values()[i];
    const engine::NamedValue& y = b.values()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.is_text, y.is_text) << x.name;
    if (x.is_text) {
      EXPECT_EQ(x.text, y.text) << x.name;
    } else {
      EXPECT_EQ(std::memcmp(&x.number, &y.number, sizeof(double)), 0)
          << x.name << ": " << x.number << " came back as " << y.number;
    }
  }
}

struct LiveDecision {
  engine::NamedFeatures context, user;
  std::vector<engine::PreparedVariant> variants;
  std::vector<const engine::PreparedVariant*> candidates;
  engine::Decision decision;
};

LiveDecision make_live_decision() {
  LiveDecision live;
  live.context.set(engine::kHourField, 21.0)
      .set(engine::kDeviceField, "tv")
      .set(engine::kCountryField, "DE")
      .set("bandwidth", 0.1)
      .set("tiny", 5e-324)
      .set("huge", -1.7976931348623157e308)
      .set("negative_zero", -0.0)
      .set("app", "a \"quoted\" name\\ with\nnewline, tab\t, \x01 control and \xc3\xa9");
  live.user.set("actor_a1", 0.7).set("genre_drama", 1.0 / 3.0).set("activity", 12345.678);
  engine::NamedFeatures arm1, arm2;
  arm1.set("featured_actor", "a1").set("brightness", 0.42);
  arm2.set("brightness", 0.9).set("faces", 2.0);
  live.variants.push_back(engine::prepare_variant("t1-v1", arm1));
  live.variants.push_back(engine::prepare_variant("t1-v2", arm2));
  for (const auto& v : live.variants) live.candidates.push_back(&v);
  live.decision.event_id = engine::new_event_id(1'700'000'000'000);
  live.decision.chosen = 1;
  live.decision.propensity = 0.8125;
  live.decision.repeat = true;
  live.decision.repeat_of = engine::new_event_id(1'699'999'000'000);
  return live;
}

struct DecisionLogLedger : LedgerFixture {
  DecisionLogLedger() {
    add_title(std::vector<std::string>{"drama", "crime"}, {"a1", "a2"});
    put_features("t1-v1", R"({"arm_features":{"brightness":0.42,"featured_actor":"a1"}})");
    put_features("t1-v2", R"({"source":"x","arm_features":{"brightness":0.9,"faces":2}})");
    set_title_default_variant(ledger, "t1", "t1-v1");
  }
  void add_title(std::vector<std::string> genres, std::vector<std::string> actors) {
    ledger::add_title(ledger, {.title_id = "t1", .name = "T", .genres = genres});
    int billing = 1;
    for (const auto& a : actors) {
      add_cast_member(ledger, {.title_id = "t1", .actor_id = a, .actor_name = a,
                               .billing_order = billing++, .role = "lead"});
    }
    for (const char* id : {"t1-v1", "t1-v2"}) {
      add_variant(ledger, {.variant_id = id, .title_id = "t1", .kind = "external"});
    }
  }
  void put_features(const std::string& id, const std::string& json) {
    put_variant_features(ledger, {.variant_id = id, .extractor_version = "test",
                                  .features_json = json});
  }
};

TEST(DecisionLog, LiveDecisionSurvivesTheLedger) {
  DecisionLogLedger f;
  LiveDecision live = make_live_decision();
  Exposure x = LedgerFixture::exposure(engine::to_hex(live.decision.event_id), "t1", "t1-v2");
  x.propensity = live.decision.propensity;
  encode_decision({&live.context, &live.user, live.candidates, &live.decision}, x);
  EXPECT_EQ(x.device, "tv");
  EXPECT_EQ(x.country, "DE");
  EXPECT_EQ(x.hour, 21);

  EventWriter writer(f.ledger);
  BatchResult written = writer.write(std::span<const Exposure>(&x, 1), {});
  ASSERT_EQ(written.exposures_written, 1u) << written.rejected.front().reason;
  std::optional<StoredExposure> row = find_exposure(f.ledger, x.event_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->device, "tv");
  EXPECT_EQ(row->country, "DE");
  EXPECT_EQ(row->hour, 21);

  LedgerDecisionCatalog catalog(f.ledger);
  std::string reason;
  std::optional<engine::LoggedDecision> d = logged_decision(*row, catalog, reason);
  ASSERT_TRUE(d) << reason;
  EXPECT_EQ(d->event_id, live.decision.event_id);
  EXPECT_EQ(d->time_ms, x.ts);
  EXPECT_EQ(d->unit, "u1");
  EXPECT_EQ(d->title, "t1");
  EXPECT_EQ(d->propensity, live.decision.propensity);
  EXPECT_TRUE(d->repeat);
  expect_same(d->context, live.context);
  expect_same(d->user, live.user);
  engine::NamedFeatures title;
  title.set("genre_drama", 1.0).set("genre_crime", 1.0).set("cast_a1", 1.0).set("cast_a2", 1.0);
  expect_same(d->title_features, title);
  ASSERT_EQ(d->candidates.size(), 2u);
  EXPECT_EQ(d->chosen, 1);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(d->candidates[i].variant_id, live.variants[i].id);
    expect_same(d->candidates[i].named(), live.variants[i].named);
  }
  EXPECT_TRUE(d->candidates[0].is_default);
  EXPECT_FALSE(d->candidates[1].is_default);
}

TEST(DecisionLog, RequestDecodesWithoutTheCatalogue) {
  LiveDecision live = make_live_decision();
  live.decision.repeat = false;
  Exposure x;
  encode_decision({&live.context, &live.user, live.candidates, &live.decision}, x);
  DecodedRequest back;
  std::string reason;
  ASSERT_TRUE(decode_request(x.context_json, back, reason)) << reason;
  expect_same(back.context, live.context);
  expect_same(back.user, live.user);
  EXPECT_FALSE(back.repeat);
  std::vector<std::string> ids;
  CandidatesDecoder candidates;
  ASSERT_TRUE(candidates.decode(x.candidates_json, ids));
  EXPECT_EQ(ids, (std::vector<std::string>{"t1-v1", "t1-v2"}));
  EXPECT_EQ(encode_candidates(ids), x.candidates_json);
}

TEST(DecisionLog, RowsThatCannotBeReplayedSayWhy) {
  DecisionLogLedger f;
  LedgerDecisionCatalog catalog(f.ledger);
  StoredExposure row;
  row.event_id = engine::to_hex(engine::new_event_id(1));
  row.title_id = "t1";
  row.variant_id = "t1-v1";
  std::string reason;
  row.context_json = "[1]";
  EXPECT_FALSE(logged_decision(row, catalog, reason));
  EXPECT_EQ(reason, "the context is not a JSON object");
  row.context_json = R"({"context":{"nested":{"a":1}}})";
  EXPECT_FALSE(logged_decision(row, catalog, reason));
  EXPECT_NE(reason.find("nested"), std::string::npos) << reason;
  row.context_json = "{}";
  row.candidates_json = R"(["t1-v1", 3])";
  EXPECT_FALSE(logged_decision(row, catalog, reason));
  EXPECT_EQ(reason, "the candidates are not a JSON array of variant ids");
  row.candidates_json = R"(["t1-v1","gone"])";
  EXPECT_FALSE(logged_decision(row, catalog, reason));
  EXPECT_EQ(reason, "candidate 'gone' is not in the catalogue");
  row.candidates_json = R"(["t1-v2"])";
  EXPECT_FALSE(logged_decision(row, catalog, reason));
  EXPECT_EQ(reason, "the shown variant is not among the candidates");
  row.candidates_json = R"(["t1-v2","t1-v1"])";
  std::optional<engine::LoggedDecision> d = logged_decision(row, catalog, reason);
  ASSERT_TRUE(d) << reason;
  EXPECT_EQ(d->chosen, 1);
  EXPECT_TRUE(d->candidates[1].is_default);
}

TEST(DecisionLog, ArmFeatureRecords) {
  engine::NamedFeatures arm;
  arm.set("brightness", 0.1).set("featured_actor", "a1");
  expect_same(arm_features_from_record(arm_features_record(arm)), arm);
  expect_same(arm_features_from_record(arm_features_record(arm, "import")), arm);
  EXPECT_EQ(arm_features_record(arm, "import"),
            R"({"arm_features":{"brightness":0.1,"featured_actor":"a1"},"source":"import"})");
  EXPECT_TRUE(arm_features_from_record("not json").empty());
  EXPECT_TRUE(arm_features_from_record(R"({"arm_features":[1]})").empty());
  EXPECT_TRUE(arm_features_from_record(R"({"other":{}})").empty());
}

TEST(DecisionLog, TitleFeaturesFromTheLedger) {
  DecisionLogLedger f;
  engine::NamedFeatures expected;
  expected.set("genre_crime", 1.0).set("genre_drama", 1.0).set("cast_a1", 1.0).set("cast_a2", 1.0);
  expect_same(title_features(f.ledger, "t1"), expected);
  EXPECT_TRUE(title_features(f.ledger, "nope").empty());
}

}  // namespace
}  // namespace keyart::ledger

namespace keyart::ledger {
namespace {

// The context decoder against an independent reading of the same text: a
// full JSON parse (nlohmann, ordered by name, the last of repeated names
// winning) and NamedFeatures::from_json; values, their order and the
// verdict must agree, error messages included, on well-formed, odd and
// broken contexts.
std::string spelled(const engine::NamedFeatures& f) {
  std::string out;
  for (const auto& v : f.values()) {
    char number[40];
    std::snprintf(number, sizeof number, "%.17g", v.number);
    out += v.name + "=" + (v.is_text ? "'" + v.text + "'" : std::string(number)) + ";";
  }
  return out;
}

struct Reference {
  bool ok = false;
  std::string reason, context, user;
  bool repeat = false;
};

Reference reference_decode(std::string_view text) {
  Reference r;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    r.reason = "the context is not a JSON object";
    return r;
  }
  try {
    if (doc.contains("context")) r.context = spelled(engine::NamedFeatures::from_json(doc["context"]));
    if (doc.contains("user")) r.user = spelled(engine::NamedFeatures::from_json(doc["user"]));
  } catch (const std::exception& e) {
    r.reason = e.what();
    return r;
  }
  r.repeat = doc.contains("repeat_of");
  r.ok = true;
  return r;
}

TEST(DecisionLog, ContextDecodingAgreesWithAFullJsonParse) {
  const std::vector<std::string> cases = {
      R"({"context":{"device":"tv","hour":21},"user":{"actor_a":0.9,"genre_b":1}})",
      R"({"user":{"z":1,"a":2,"m":"x"},"context":{"b":true,"a":false}})",
      R"({"context":{"k":1,"k":2,"j":"first","j":"second"},"context":{"only":3}})",
      R"({"context":{"e":"caf\u00e9 \"q\" \\ \n","neg":-0.0,"small":1e-7,"big":12345678901234567890}})",
      R"({"context":{"i":-9223372036854775808,"d":0.1,"x":1E+2,"y":2.5e-3}})",
      R"({"context":{"huge":123456789012345678901234567890}})",
      R"({"context":{"inf":1e400}})",
      R"({"context":{"n":null}})",
      R"({"user":{"a":[1,2]}})",
      R"({"user":{"o":{"p":1}}})",
      R"({"context":[1]})",
      R"({"context":"tv"})",
      R"({"repeat_of":"00112233445566778899aabbccddeeff","context":{}})",
      R"({})",
      R"({"other":{"ignored":[null]}})",
      R"([])",
      R"("text")",
      R"({"context":{"a":1})",
      R"({"context":{"a":1}} trailing)",
      R"({"context":{"a":01}})",
      "",
  };
  for (const std::string& text : cases) {
    Reference want = reference_decode(text);
    DecodedRequest got;
    std::string reason;
    const bool ok = decode_request(text, got, reason);
    EXPECT_EQ(ok, want.ok) << text;
    if (!ok || !want.ok) {
      EXPECT_EQ(reason, want.reason) << text;
      continue;
    }
    EXPECT_EQ(spelled(got.context), want.context) << text;
    EXPECT_EQ(spelled(got.user), want.user) << text;
    EXPECT_EQ(got.repeat, want.repeat) << text;
  }
}

}  // namespace
}  // namespace keyart::ledger
