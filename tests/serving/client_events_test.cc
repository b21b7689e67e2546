// ClientEvents (serving/src/client_events.h): claims, retries, conflicts,
// and forgetting by age and by capacity; request_fingerprint separates
// requests that differ in any deciding field.
#include <gtest/gtest.h>

#include "client_events.h"

namespace keyart::serving {
namespace {

engine::EventId id(uint8_t n) {
  engine::EventId e{};
  e[15] = n;
  e[8] = n;
  return e;
}

TEST(ClientEvents, RetriesGetTheFirstAnswerAndConflictsAreRefused) {
  ClientEvents events(100, 1000);
  DecideResult answer;
  EXPECT_EQ(events.claim(id(1), 7, 0, answer), ClientEvents::Claim::kNew);
  EXPECT_EQ(events.claim(id(1), 7, 1, answer), ClientEvents::Claim::kInProgress);
  EXPECT_EQ(events.claim(id(1), 8, 1, answer), ClientEvents::Claim::kConflict);
  DecideResult first;
  first.variant_id = "t1-v2";
  events.settle(id(1), first);
  EXPECT_EQ(events.claim(id(1), 7, 2, answer), ClientEvents::Claim::kSame);
  EXPECT_EQ(answer.variant_id, "t1-v2");
  // Abandoned (the decision failed): the next claim decides anew.
  EXPECT_EQ(events.claim(id(2), 7, 3, answer), ClientEvents::Claim::kNew);
  events.abandon(id(2));
  EXPECT_EQ(events.claim(id(2), 9, 4, answer), ClientEvents::Claim::kNew);
}

TEST(ClientEvents, ForgetsByAgeAndByCapacity) {
  ClientEvents events(3, 1000);
  DecideResult answer;
  for (uint8_t i = 1; i <= 3; ++i) {
    ASSERT_EQ(events.claim(id(i), 1, i, answer), ClientEvents::Claim::kNew);
    events.settle(id(i), answer);
  }
  EXPECT_EQ(events.size(), 3u);
  EXPECT_EQ(events.claim(id(4), 1, 10, answer), ClientEvents::Claim::kNew);  // the oldest goes
  EXPECT_EQ(events.size(), 3u);
  EXPECT_EQ(events.claim(id(1), 2, 11, answer), ClientEvents::Claim::kNew);  // forgotten: new
  EXPECT_EQ(events.claim(id(5), 1, 2000, answer), ClientEvents::Claim::kNew);  // the rest aged out
  EXPECT_EQ(events.size(), 1u);
}

TEST(ClientEvents, FingerprintCoversEveryDecidingField) {
  DecideRequest base;
  base.unit_id = "u1";
  base.title_id = "t1";
  base.context.set("device", "tv").set("hour", 21.0);
  base.user.set("actor_a1", 0.5);
  const uint64_t f = request_fingerprint(base);
  DecideRequest same = base;
  same.user = engine::NamedFeatures().set("actor_a1", 0.5);
  same.now_ms = 12345;  // time is not part of the request
  EXPECT_EQ(request_fingerprint(same), f);
  std::vector<DecideRequest> changed(9, base);
  changed[0].unit_id = "u2";
  changed[1].title_id = "t2";
  changed[2].eligible = {"t1-v1"};
  changed[3].experiment_id = "e1";
  changed[4].seed = 3;
  changed[5].position = 0;
  changed[6].context.set("hour", 22.0);
  changed[7].user.set("actor_a1", "0.5");  // text, not the number
  changed[8].defer_activation = true;
  for (const auto& r : changed) EXPECT_NE(request_fingerprint(r), f);
}

}  // namespace
}  // namespace keyart::serving
