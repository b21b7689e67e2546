// The feature layout: what becomes a feature, the featured-actor
// interaction, tolerance of unknown keys, and no allocation on the hot path
// (counted by replacing the global operator new in this test program).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

#include "engine_test_helpers.h"

#include "alloc_counter.h"

namespace keyart::engine {
namespace {

double value_of(std::span<const Feature> fs, FeatureKey key) {
  double v = 0;
  for (const Feature& f : fs) {
    if (f.key == key) v += f.value;
  }
  return v;
}

TEST(FeatureLayout, BuildsTheDocumentedFeatures) {
  NamedFeatures vf;
  vf.set("featured_actor", "a7").set("style", "closeup").set("color", "red");
  vf.set("brightness", 0.25).set("mood", "calm");  // an unknown extra key is a feature too
  PreparedVariant v = prepare_variant("t1_v0", vf);
  PreparedVariant none = test::styled("t1_v1", "landscape");
  EXPECT_EQ(v.block_key, feature_key("style=", "closeup"));
  EXPECT_NE(v.block_key, none.block_key);
  EXPECT_EQ(none.affinity_key, 0u);

  LayoutOptions options;
  options.dim = 32;
  options.title_features = true;
  options.variant_features = true;
  options.crosses = {{"country", "color"}};
  FeatureLayout layout(options);
  Request r;
  r.reset("unit", "t1");
  r.add_user("actor_a7", 1.5);
  r.add_user("actor_a9", 0.5);
  r.add_user("genre_g1", 0.8);
  r.add_context("device", "tv");
  r.add_context("country", "KR");
  r.add_context("hour", 19);
  r.add_title("genre_g2", 1);
  r.add_title("cast_a7", 1);  // ignored: the featured actor carries it
  std::vector<const PreparedVariant*> cands = {&v, &none};
  ChoiceInput in = layout.build(r, cands, -1);
  EXPECT_EQ(value_of(in.common, feature_key("user:", "genre_g1")), 0.8);
  EXPECT_EQ(value_of(in.common, feature_key("user:", "actor_a7")), 0.0);
  EXPECT_EQ(value_of(in.common, combine_keys(feature_key("ctx:", "daypart"), feature_key("evening"))), 1.0);
  EXPECT_EQ(value_of(in.common, combine_keys(feature_key("ctx:", "device"), feature_key("tv"))), 1.0);
  EXPECT_EQ(value_of(in.common, feature_key("title:", "genre_g2")), 1.0);
  EXPECT_EQ(value_of(in.common, feature_key("title:", "cast_a7")), 0.0);
  const auto own = in.candidates[0].own;
  EXPECT_EQ(value_of(own, kBiasKey), 1.0);
  EXPECT_EQ(value_of(own, kFeaturedKey), 1.0);
  EXPECT_EQ(value_of(own, kAffinityKey), 1.5);
  EXPECT_EQ(value_of(own, kLikedKey), 1.0);
  EXPECT_EQ(value_of(own, feature_key("var:", "brightness")), 0.25);
  EXPECT_EQ(value_of(own, combine_keys(feature_key("var:", "mood"), feature_key("calm"))), 1.0);
  const FeatureKey cross = combine_keys(combine_keys(feature_key("ctx:", "country"), feature_key("KR")),
                                        combine_keys(feature_key("var:", "color"), feature_key("red")));
  EXPECT_EQ(value_of(own, cross), 1.0);
  EXPECT_EQ(value_of(in.candidates[1].own, kAffinityKey), 0.0);
  EXPECT_EQ(value_of(in.candidates[1].own, kFeaturedKey), 0.0);
  EXPECT_EQ(in.candidates[0].block, v.block_key);
}

TEST(FeatureLayout, DaypartsAndBadInput) {
  EXPECT_EQ(daypart(3), 0);
  EXPECT_EQ(daypart(22), 0);
  EXPECT_EQ(daypart(6), 1);
  EXPECT_EQ(daypart(12), 2);
  EXPECT_EQ(daypart(21), 3);
  Request r;
  EXPECT_THROW(r.add_user("x", NAN), std::invalid_argument);
  EXPECT_THROW(NamedFeatures().set("x", INFINITY), std::invalid_argument);
  EXPECT_THROW(prepare_variant("", NamedFeatures()), std::invalid_argument);
  FeatureLayout layout;
  std::vector<const PreparedVariant*> none;
  EXPECT_THROW(layout.build(r, none, -1), std::invalid_argument);
  PreparedVariant v = test::styled("a", "dark");
  std::vector<const PreparedVariant*> one = {&v};
  EXPECT_THROW(layout.build(r, one, 1), std::invalid_argument);
}

TEST(FeatureLayout, NoAllocationOnTheHotPath) {
  std::vector<PreparedVariant> vars;
  const char* styles[] = {"closeup", "group", "dark", "closeup", "bright", "landscape", "dark", "group"};
  for (int i = 0; i < 8; ++i) {
    NamedFeatures f;
    f.set("style", styles[i]).set("featured_actor", i % 2 ? "a1" : "none").set("color", "red");
    f.set("brightness", 0.1 * i);
    vars.push_back(prepare_variant("v" + std::to_string(i), f));
  }
  auto cands = test::pointers(vars);
  for (const char* spec : {"hybrid-linucb", "linucb", "lints", "beta-ts", "epsilon-greedy", "fixed:default"}) {
    auto policy = make_policy(spec);
    Request r;
    std::vector<double> p(8), s(8);
    auto once = [&](int i) {
      r.reset("unit", "title");
      r.add_user("actor_a1", 0.5);
      r.add_user("genre_g1", 0.1 * (i % 7));
      r.add_user("activity", 1.2);
      r.add_context("device", i % 2 ? "tv" : "web");
      r.add_context("hour", i % 24);
      r.add_title("genre_g2", 1);
      ChoiceInput in = policy->layout().build(r, cands, 0);
      Rng rng(i);
      ChoiceOutput out{p, s, -1};
      policy->choose(in, rng, r.workspace(), out);
      return in;
    };
    for (int i = 0; i < 30; ++i) policy->update(observation_of(once(i), i % 8), i % 3 == 0);
    const long before = allocation_count();
    for (int i = 0; i < 200; ++i) once(i);
    EXPECT_EQ(allocation_count() - before, 0) << spec;
  }
}

}  // namespace
}  // namespace keyart::engine
