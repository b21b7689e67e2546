#include "scan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string_view>

#include "flat_map.h"
#include "labels.h"
#include "rewards.h"
#include "keyart/engine/batch_pipe.h"
#include "keyart/ledger/event_scan.h"

namespace keyart::analysis {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// A unit's exposures and its reward sum of each of M metrics so far.
template <size_t M>
struct UnitTotals {
  double n = 0;
  std::array<double, M> y{};
};

int64_t floor_day(int64_t ts) { return ts >= 0 ? ts / kDayMs : -((-ts + kDayMs - 1) / kDayMs); }

}  // namespace

std::string hour_bucket_label(int64_t hour, int bucket) {
  if (bucket <= 1) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(hour));
    return buf;
  }
  const int start = static_cast<int>(hour / bucket) * bucket;
  const int end = std::min(23, start + bucket - 1);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d-%02d", start, end);
  return buf;
}

namespace {

// The pass, in two stages on two threads: the calling thread steps SQLite
// and decodes each row into a compact Row (strings hashed or numbered at
// once, since SQLite's text is only valid until the next step); batches of
// rows go through a small bounded queue to an applier thread, which joins
// the rewards and updates the per-unit tables. The applier prefetches the
// hash-table slots a few rows ahead, so random probes into tables of
// millions of entries overlap instead of stalling one by one. Rows are
// applied in the order read; the result is the same as a single-threaded
// pass. M metrics are reported at once: the unit table holds M sums per
// unit, and one probe of the reward index finds all M rewards.
template <size_t M>
class Scanner {
 public:
  Scanner(const ScanRequest& request, const RewardIndex& rewards, CupedViewers* cuped,
          std::vector<ScanResult>& out)
      : request_(request), rewards_(rewards), cuped_(cuped), out_(out),
        k_(request.arm_ids.size()) {
    out_.assign(M, {});
    today_.assign(M, {});
    for (size_t m = 0; m < M; ++m) {
      out_[m].arms.assign(k_, {});
      today_[m].exposures.assign(k_, 0);
      today_[m].rewards.assign(k_, 0);
    }
  }

  // Reads the scan's rows on this thread, applying them on a second one.
  void run(ledger::Ledger& ledger, const ledger::ExposureScan& scan) {
    engine::run_pipelined<Row>(
        kBatch, kQueued,
        [&](engine::BatchPipe<Row>& pipe) {
          ledger::scan_exposures(ledger, scan,
                                 [&](const ledger::ExposureView& row) { read(row, pipe); });
        },
        [this](const Row* rows, size_t n) { apply_batch(rows, n); });
    finish();
  }

 private:
  static constexpr size_t kBatch = 4096;      // rows per hand-over
  static constexpr size_t kQueued = 4;        // batches waiting at most
  static constexpr size_t kLookahead = 16;    // rows prefetched ahead

  struct Row {
    int64_t ts = 0;
    size_t arm = 0;
    Id128 event;
    uint64_t unit_key = 0;
    uint64_t viewer_key = 0;  // CUPED's key, when it is on
    int variant = 0;
    int segment = 0;
    size_t group = 0;
    uint64_t segment_key = 0;
  };

  void read(const ledger::ExposureView& st, engine::BatchPipe<Row>& pipe) {
    const std::string_view arm_id = request_.arms_are_experiments ? st.experiment_id : st.arm_id;
    size_t arm = 0;
    while (arm < k_ && request_.arm_ids[arm] != arm_id) ++arm;
    if (arm == k_) return;  // the schema's foreign key makes this impossible
    Row& row = pipe.next();
    row.arm = arm;
    row.ts = st.ts;
    row.event = event_key(st.event_id);
    const uint64_t unit = viewer_hash(st.unit_id);
    row.unit_key = engine::fmix64(unit ^ (0x9e3779b97f4a7c15ULL * (row.arm + 1)));
    if (cuped_) row.viewer_key = engine::fmix64(unit);
    const std::string_view variant_id = st.variant_id;
    row.variant = variants_.index(variant_id);
    if (request_.by.any()) {
      row.segment = segment_of(st, variant_id);
      row.group = static_cast<size_t>(row.segment) * k_ + row.arm;
      row.segment_key = engine::fmix64(unit ^ (0x9e3779b97f4a7c15ULL * (row.group + 1)) ^ 0x5bd1e995ULL);
    }
  }

  void finish() {
    if (have_day_) close_day();
    ScanResult& primary = out_[0];
    primary.segment_labels = segments_.names();
    primary.segments.resize(primary.segment_labels.size() * k_);
    for (size_t v = 0; v < variants_.size(); ++v) {
      primary.variants.push_back({variants_.names()[v], variant_tallies_[v].exposures,
                                  variant_tallies_[v].rewards, variant_tallies_[v].sum_r2});
    }
    for (ScanResult& metric : out_) {
      metric.exposures = exposures_;
      metric.first_ts = first_ts_;
      metric.last_ts = last_ts_;
    }
  }

  void prefetch(const Row& row) const {
    rewards_.prefetch(row.event);
    units_.prefetch(row.unit_key);
    if (request_.by.any()) segment_units_.prefetch(row.segment_key);
    if (cuped_) cuped_->prefetch(row.viewer_key);
  }

  void apply_batch(const Row* rows, size_t n) {
    for (size_t i = 0; i < std::min(n, kLookahead); ++i) prefetch(rows[i]);
    for (size_t i = 0; i < n; ++i) {
      if (i + kLookahead < n) prefetch(rows[i + kLookahead]);
      apply(rows[i]);
    }
  }

  // The row's segment: its value of the dimension, or "a / b" of two.
  int segment_of(const ledger::ExposureView& st, std::string_view variant_id) {
    if (request_.by.then_by == SegmentBy::kNone) {
      return segments_.index(value_of(request_.by.by, st, variant_id));
    }
    pair_label_.assign(value_of(request_.by.by, st, variant_id));
    pair_label_.append(" / ").append(value_of(request_.by.then_by, st, variant_id));
    return segments_.index(pair_label_);
  }

  std::string_view value_of(SegmentBy by, const ledger::ExposureView& st,
                            std::string_view variant_id) {
    constexpr std::string_view kUnknown = "(unknown)";
    switch (by) {
      case SegmentBy::kDevice: return st.device ? *st.device : kUnknown;
      case SegmentBy::kCountry: return st.country ? *st.country : kUnknown;
      case SegmentBy::kHour:
        if (!st.hour) return kUnknown;
        hour_label_ = hour_bucket_label(*st.hour, request_.hour_bucket);
        return hour_label_;
      case SegmentBy::kVariant: return variant_id;
      case SegmentBy::kNone: break;
    }
    return kUnknown;
  }

  void close_day() {
    for (size_t m = 0; m < M; ++m) {
      today_[m].cumulative = out_[m].arms;
      out_[m].days.push_back(today_[m]);
      today_[m].exposures.assign(k_, 0);
      today_[m].rewards.assign(k_, 0);
    }
  }

  void apply(const Row& row) {
    const int64_t day = floor_day(row.ts);
    if (!have_day_) {
      for (DaySnapshot& d : today_) d.day = day;
      have_day_ = true;
      first_ts_ = row.ts;
    } else if (day != today_[0].day) {
      close_day();
      for (DaySnapshot& d : today_) d.day = day;
    }
    last_ts_ = row.ts;
    ++exposures_;

    const double* found = rewards_.find(row.event);
    std::array<double, M> r{};
    for (size_t m = 0; m < M; ++m) {
      if (!found || std::isnan(found[m])) continue;
      r[m] = found[m];
      ScanResult& out = out_[m];
      ++out.rewards_joined;
      if (r[m] != 0 && r[m] != 1) out.binary_metric = false;
    }

    UnitTotals<M>& totals = units_[row.unit_key];
    for (size_t m = 0; m < M; ++m) {
      out_[m].rewards += r[m];
      ++today_[m].exposures[row.arm];
      today_[m].rewards[row.arm] += r[m];
      out_[m].arms[row.arm].add_exposure(totals.n, totals.y[m], r[m]);
      totals.y[m] += r[m];
    }
    totals.n += 1;

    if (static_cast<size_t>(row.variant) == variant_tallies_.size()) variant_tallies_.push_back({});
    VariantTally& v = variant_tallies_[row.variant];
    ++v.exposures;
    v.rewards += r[0];
    v.sum_r2 += r[0] * r[0];

    if (request_.by.any()) {
      ScanResult& primary = out_[0];
      if (row.group >= primary.segments.size()) primary.segments.resize(row.group / k_ * k_ + k_);
      UnitTotals<1>& seg = segment_units_[row.segment_key];
      primary.segments[row.group].add_exposure(seg.n, seg.y[0], r[0]);
      seg.n += 1;
      seg.y[0] += r[0];
    }

    if (cuped_) {
      CupedViewer& viewer = (*cuped_)[row.viewer_key];
      if (viewer.arm == 0) viewer.arm = static_cast<uint32_t>(row.arm + 1);
      viewer.y += r[0];
    }
  }

  const ScanRequest& request_;
  const RewardIndex& rewards_;
  CupedViewers* cuped_;
  std::vector<ScanResult>& out_;
  const size_t k_;
  FlatMap64<UnitTotals<M>> units_{1 << 16};
  FlatMap64<UnitTotals<1>> segment_units_{1 << 4};
  Labels segments_, variants_;
  std::string pair_label_, hour_label_;  // reader thread: segment_of's scratch
  std::vector<VariantTally> variant_tallies_;  // variant_id left empty until finish()
  std::vector<DaySnapshot> today_;             // per metric
  bool have_day_ = false;
  int64_t exposures_ = 0, first_ts_ = 0, last_ts_ = 0;

  // Reader thread: segments_, variants_. Applier thread: everything
  // apply() touches, until run() has joined it.
};

// The fields to read for a segment dimension.
uint32_t fields_of(SegmentBy by) {
  uint32_t f = 0;
  if (by == SegmentBy::kDevice) f |= ledger::kFieldDevice;
  if (by == SegmentBy::kCountry) f |= ledger::kFieldCountry;
  if (by == SegmentBy::kHour) f |= ledger::kFieldHour;
  return f;
}

// One pass for the request's metrics (at most four).
template <size_t M>
void run_pass(ledger::Ledger& ledger, const ScanRequest& request, const RewardIndex& rewards,
              CupedViewers* cuped, std::vector<ScanResult>& out) {
  Scanner<M> scanner(request, rewards, cuped, out);
  ledger::ExposureScan scan{.fields = ledger::kFieldEventId | ledger::kFieldTs |
                                      ledger::kFieldArm | ledger::kFieldUnit |
                                      ledger::kFieldVariant | fields_of(request.by.by) |
                                      fields_of(request.by.then_by),
                            .since_ms = request.since_ms,
                            .until_ms = request.until_ms,
                            .order = ledger::ExposureScan::Order::kTime};
  if (request.arms_are_experiments) {
    scan.fields |= ledger::kFieldExperiment;
    scan.experiment_ids = request.arm_ids;
  } else {
    scan.experiment_id = request.experiment_id;
  }
  scanner.run(ledger, scan);
}

}  // namespace

ExperimentScan scan_experiment(ledger::Ledger& ledger, const ScanRequest& request) {
  constexpr size_t kPerPass = 4;
  ExperimentScan result;
  CupedViewers cuped{request.cuped ? size_t{1} << 16 : 1};
  for (size_t first = 0; first < request.metrics.size(); first += kPerPass) {
    ScanRequest pass = request;
    pass.metrics.assign(request.metrics.begin() + static_cast<std::ptrdiff_t>(first),
                        request.metrics.begin() +
                            static_cast<std::ptrdiff_t>(std::min(request.metrics.size(), first + kPerPass)));
    if (first > 0) pass.by = {};  // segments are the primary metric's
    const RewardIndex rewards = load_rewards(ledger, pass.metrics);
    CupedViewers* viewers = request.cuped && first == 0 ? &cuped : nullptr;
    if (viewers) {
      add_cuped_history(ledger, rewards, request.cuped_from_ms, request.cuped_to_ms, *viewers);
    }
    std::vector<ScanResult> out;
    switch (pass.metrics.size()) {
      case 1: run_pass<1>(ledger, pass, rewards, viewers, out); break;
      case 2: run_pass<2>(ledger, pass, rewards, viewers, out); break;
      case 3: run_pass<3>(ledger, pass, rewards, viewers, out); break;
      default: run_pass<4>(ledger, pass, rewards, viewers, out); break;
    }
    if (first > 0) {
      for (ScanResult& r : out) r.variants.clear();  // the primary metric's
    }
    for (ScanResult& r : out) result.metrics.push_back(std::move(r));
  }
  if (request.cuped) {
    result.cuped = cuped_sums(cuped, request.arm_ids.size(), request.cuped_unit_share);
  }
  return result;
}

}  // namespace keyart::analysis
