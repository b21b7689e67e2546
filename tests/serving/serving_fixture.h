// A ledger with two titles (external variants with artwork features), a
// running experiment on t1 (control fixed:t1-v1, bandit linucb), and helpers
// to open a Service on it.
#pragma once

#include <memory>
#include <string>

#include "support/ledger_fixture.h"
#include "keyart/serving/service.h"

namespace keyart::testing {

struct ServingFixture : LedgerFixture {
  ServingFixture() {
    add_title_with_features("t1", {"closeup", "group", "landscape"});
    add_title_with_features("t2", {"dark", "bright"});
    ledger::create_experiment(
        ledger, {.experiment_id = "e1",
                 .name = "artwork test",
                 .title_ids = {"t1"},
                 .arms = {{.arm_id = "control", .policy_spec = "fixed:t1-v1",
                           .traffic_share = 0.5},
                          {.arm_id = "bandit", .policy_spec = "linucb:alpha=1",
                           .traffic_share = 0.5}}});
    ledger::start_experiment(ledger, "e1");
  }

  void add_title_with_features(const std::string& id, const std::vector<std::string>& styles) {
    ledger::add_title(ledger, {.title_id = id, .name = "Title " + id, .genres = {"drama"}});
    int n = 0;
    for (const auto& style : styles) {
      ledger::Variant v;
      v.variant_id = id + "-v" + std::to_string(++n);
      v.title_id = id;
      v.kind = "external";
      std::string record = R"({"arm_features":{"style":")" + style +
                           R"(","featured_actor":"a)" + std::to_string(n) +
                           R"(","brightness":0.5,"n_faces":1}})";
      ledger::add_variant(ledger, v,
                               ledger::VariantFeatures{.extractor_version = "test",
                                                            .features_json = record});
    }
  }

  serving::ServiceOptions options() const {
    serving::ServiceOptions o;
    o.ledger_path = path;
    o.files_dir = where.files_dir();
    o.learner.wait_ms = 60'000;
    o.learner.seed = 7;
    o.writer.flush_interval_ms = 2;
    o.expire_interval_ms = 3'600'000;  // tests close windows explicitly
    return o;
  }

  static serving::DecideRequest request(const std::string& unit, const std::string& title,
                                        int64_t now_ms) {
    serving::DecideRequest r;
    r.unit_id = unit;
    r.title_id = title;
    r.context.set("device", "tv").set("country", "KR").set("hour", 21.0);
    r.user.set("actor_a2", 0.9).set("genre_drama", 1.0);
    r.now_ms = now_ms;
    return r;
  }
};

}  // namespace keyart::testing
