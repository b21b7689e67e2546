// Viewer profiles (keyart/profiles/viewer_profile.h): the cost of one play
// added to a profile, of a profile's affinities (what a decision reads),
// and a profile's memory, for viewers with 20, 100 and 500 viewings of
// 500 titles with 4 cast members and 2 genres out of 200 actors and 20
// genres; and of fitting a profile's tastes (population.h), with that
// catalogue and one of 5,000 titles (2,000 actors, 40 genres).
//
//   build/release/benchmarks/bench_profiles
#include <benchmark/benchmark.h>

#include <random>

#include "keyart/profiles/population.h"
#include "keyart/profiles/viewer_profile.h"

namespace {

using namespace keyart::profiles;

std::vector<TitleFacts> titles(int n = 500, unsigned actors = 200, unsigned genres = 20) {
  std::vector<TitleFacts> out;
  std::mt19937 rng(3);
  for (int t = 0; t < n; ++t) {
    TitleFacts f;
    for (int c = 0; c < 4; ++c) {
      f.cast.emplace_back("a" + std::to_string(rng() % actors),
                          c == 0 ? Role::kLead : c < 3 ? Role::kSupporting : Role::kMinor);
    }
    f.genres = {"g" + std::to_string(rng() % genres), "g" + std::to_string(rng() % genres)};
    f.id = "t" + std::to_string(t);
    out.push_back(std::move(f));
  }
  return out;
}

const std::vector<TitleFacts> kTitles = titles();
constexpr int64_t kNow = 1'800'000'000'000;

ViewerProfile profile_with(int viewings, uint64_t seed, const std::vector<TitleFacts>& catalogue = kTitles,
                           const ProfileOptions& o = {}) {
  ViewerProfile p;
  std::mt19937 rng(static_cast<unsigned>(seed));
  for (int i = 0; i < viewings; ++i) {
    p.add({.key = seed * 1000 + static_cast<uint64_t>(i), .ts_ms = kNow - static_cast<int64_t>(rng() % 180) * 86'400'000LL,
           .seconds = 100.0 * (rng() % 60), .completed = rng() % 3 == 0},
          catalogue[rng() % catalogue.size()], o);
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

// A profile's tastes fitted (the default 300 steps): what a fitted
// profile's fitter thread spends after each change to a viewer. Args: the
// viewer's viewings, the catalogue's titles.
void BM_ProfileFit(benchmark::State& state) {
  ProfileOptions o;
  o.fitted = true;
  const int n_titles = static_cast<int>(state.range(1));
  const std::vector<TitleFacts> catalogue =
      n_titles == 500 ? kTitles : titles(n_titles, 4 * static_cast<unsigned>(n_titles) / 10, 40);
  std::unordered_map<std::string, TitleFacts> by_id;
  std::unordered_map<std::string, double> everyone;
  std::mt19937 rng(9);
  for (const TitleFacts& t : catalogue) {
    by_id[t.id] = t;
    everyone[t.id] = static_cast<double>(rng() % 1000);
  }
  const Population population(by_id, everyone, o);
  ViewerProfile p = profile_with(static_cast<int>(state.range(0)), 4, catalogue, o);
  for (auto _ : state) benchmark::DoNotOptimize(population.fit(p, o));
  const auto tastes = population.fit(p, o);
  p.set_fitted(tastes, o);
  state.counters["tastes"] = static_cast<double>(tastes.size());
  state.counters["bytes"] = static_cast<double>(p.memory_bytes());  // a fitted profile's
}
BENCHMARK(BM_ProfileFit)->Args({20, 500})->Args({100, 500})->Args({500, 500})->Args({100, 5000})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
