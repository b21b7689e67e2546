// Viewer profiles (keyart/profiles/viewer_profile.h): the cost of one play
// added to a profile, of a profile's affinities (what a decision reads),
// and a profile's memory, for viewers with 20, 100 and 500 viewings of
// titles with 4 cast members and 2 genres out of 200 actors and 20 genres.
//
//   build/release/benchmarks/bench_profiles
#include <benchmark/benchmark.h>

#include <random>

#include "keyart/profiles/viewer_profile.h"

namespace {

using namespace keyart::profiles;

std::vector<TitleFacts> titles() {
  std::vector<TitleFacts> out;
  std::mt19937 rng(3);
  for (int t = 0; t < 500; ++t) {
    TitleFacts f;
    for (int c = 0; c < 4; ++c) {
      f.cast.emplace_back("a" + std::to_string(rng() % 200),
                          c == 0 ? Role::kLead : c < 3 ? Role::kSupporting : Role::kMinor);
    }
    f.genres = {"g" + std::to_string(rng() % 20), "g" + std::to_string(rng() % 20)};
    out.push_back(std::move(f));
  }
  return out;
}

const std::vector<TitleFacts> kTitles = titles();
constexpr int64_t kNow = 1'800'000'000'000;

ViewerProfile profile_with(int viewings, uint64_t seed) {
  ViewerProfile p;
  std::mt19937 rng(static_cast<unsigned>(seed));
  const ProfileOptions o;
  for (int i = 0; i < viewings; ++i) {
    p.add({.key = seed * 1000 + static_cast<uint64_t>(i), .ts_ms = kNow - static_cast<int64_t>(rng() % 180) * 86'400'000LL,
           .seconds = 100.0 * (rng() % 60), .completed = rng() % 3 == 0},
          kTitles[rng() % kTitles.size()], o);
  }
  return p;
}

// One play into a profile that already has `viewings` of them.
void BM_ProfileAdd(benchmark::State& state) {
  const ProfileOptions o;
  ViewerProfile p = profile_with(static_cast<int>(state.range(0)), 1);
  uint64_t key = 1u << 30;
  std::mt19937 rng(5);
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.add({.key = key++, .ts_ms = kNow, .completed = true},
                                   kTitles[rng() % kTitles.size()], o));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ProfileAdd)->Arg(20)->Arg(100)->Arg(500);

// The affinities a decision reads, and the profile's memory.
void BM_ProfileAffinities(benchmark::State& state) {
  const ProfileOptions o;
  const ViewerProfile p = profile_with(static_cast<int>(state.range(0)), 2);
  for (auto _ : state) benchmark::DoNotOptimize(p.affinities(kNow, o));
  state.counters["features"] = static_cast<double>(p.affinities(kNow, o).size());
  state.counters["bytes"] = static_cast<double>(p.memory_bytes());
}
BENCHMARK(BM_ProfileAffinities)->Arg(20)->Arg(100)->Arg(500);

}  // namespace
