// The statistics behind every report table, one call each: the Bayesian
// integrals (the costliest: a segment table with k arms makes k + 1 of them
// plus k - 1 chance-to-beat calls), the Wilson interval, the delta-method
// lift and the mSPRT look. Counts like a 10M-exposure experiment's.
//
//   build/release/benchmarks/bench_report_stats
#include <benchmark/benchmark.h>

#include <vector>

#include "keyart/analysis/stats/bayes.h"
#include "keyart/analysis/stats/lift.h"
#include "keyart/analysis/stats/proportion.h"
#include "keyart/analysis/stats/sequential.h"

namespace {

using namespace keyart::analysis::stats;

std::vector<Posterior> arms(int k) {
  std::vector<Posterior> out;
  for (int i = 0; i < k; ++i) out.push_back(Posterior::from_counts(120000 + 900 * i, 3'300'000));
  return out;
}

void BM_ChanceToBeBest(benchmark::State& state) {
  const auto posteriors = arms(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(chance_to_be_best(posteriors));
}
BENCHMARK(BM_ChanceToBeBest)->Arg(2)->Arg(3)->Arg(5)->Unit(benchmark::kMillisecond);

void BM_ExpectedLoss(benchmark::State& state) {
  const auto posteriors = arms(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(expected_loss(posteriors));
}
BENCHMARK(BM_ExpectedLoss)->Arg(2)->Arg(3)->Arg(5)->Unit(benchmark::kMillisecond);

void BM_ChanceToBeatNormal(benchmark::State& state) {
  const Posterior t = Posterior::normal(1.32, 0.01), c = Posterior::normal(1.30, 0.01);
  for (auto _ : state) benchmark::DoNotOptimize(chance_to_beat(t, c));
}
BENCHMARK(BM_ChanceToBeatNormal)->Unit(benchmark::kMicrosecond);

void BM_WilsonLiftTestMsprt(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(wilson_interval(123510, 3392345));
    benchmark::DoNotOptimize(relative_lift({0.0406, 1.2e-8}, {0.0364, 1.1e-8}));
    benchmark::DoNotOptimize(two_proportion_z_test(123510, 3392345, 134414, 3312476));
    benchmark::DoNotOptimize(msprt_look(0.0042, 2.3e-8, 0.01));
  }
}
BENCHMARK(BM_WilsonLiftTestMsprt)->Unit(benchmark::kNanosecond);

}  // namespace
