#include "scan.h"

#include <algorithm>
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

struct UnitTotals {
  double n = 0;
  double y = 0;
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
// pass.
class Scanner {
 public:
  Scanner(const ScanRequest& request, const RewardIndex& rewards, ScanResult& out)
      : request_(request), rewards_(rewards), out_(out), k_(request.arm_ids.size()) {
    out_.arms.assign(k_, {});
    today_.exposures.assign(k_, 0);
    today_.rewards.assign(k_, 0);
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

  // The fields to read; the segment's only when segmenting by it.
  static uint32_t fields(const Segmentation& s) {
    return fields(s.by) | fields(s.then_by);
  }
  static uint32_t fields(SegmentBy by) {
    uint32_t f = ledger::kFieldEventId | ledger::kFieldTs | ledger::kFieldArm |
                 ledger::kFieldUnit | ledger::kFieldVariant;
    if (by == SegmentBy::kDevice) f |= ledger::kFieldDevice;
    if (by == SegmentBy::kCountry) f |= ledger::kFieldCountry;
    if (by == SegmentBy::kHour) f |= ledger::kFieldHour;
    return f;
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
    const uint64_t unit = std::hash<std::string_view>()(st.unit_id);
    row.unit_key = engine::fmix64(unit ^ (0x9e3779b97f4a7c15ULL * (row.arm + 1)));
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
    out_.segment_labels = segments_.names();
    out_.segments.resize(out_.segment_labels.size() * k_);
    for (size_t v = 0; v < variants_.size(); ++v) {
      out_.variants.push_back({variants_.names()[v], variant_tallies_[v].exposures,
                               variant_tallies_[v].rewards, variant_tallies_[v].sum_r2});
    }
    out_.peak_table_bytes = rewards_.by_event.memory_bytes() + units_.memory_bytes() +
                            segment_units_.memory_bytes();
  }

  void prefetch(const Row& row) const {
    rewards_.prefetch(row.event);
    units_.prefetch(row.unit_key);
    if (request_.by.any()) segment_units_.prefetch(row.segment_key);
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
    today_.cumulative = out_.arms;
    out_.days.push_back(today_);
    today_.exposures.assign(k_, 0);
    today_.rewards.assign(k_, 0);
  }

  void apply(const Row& row) {
    const int64_t day = floor_day(row.ts);
    if (!have_day_) {
      today_.day = day;
      have_day_ = true;
      out_.first_ts = row.ts;
    } else if (day != today_.day) {
      close_day();
      today_.day = day;
    }
    out_.last_ts = row.ts;

    const double* found = rewards_.find(row.event);
    const double r = found ? *found : 0.0;
    if (found) {
      ++out_.rewards_joined;
      if (r != 0 && r != 1) out_.binary_metric = false;
    }
    ++out_.exposures;
    out_.rewards += r;
    ++today_.exposures[row.arm];
    today_.rewards[row.arm] += r;

    UnitTotals& totals = units_[row.unit_key];
    out_.arms[row.arm].add_exposure(totals.n, totals.y, r);
    totals.n += 1;
    totals.y += r;

    if (static_cast<size_t>(row.variant) == variant_tallies_.size()) variant_tallies_.push_back({});
    VariantTally& v = variant_tallies_[row.variant];
    ++v.exposures;
    v.rewards += r;
    v.sum_r2 += r * r;

    if (request_.by.any()) {
      if (row.group >= out_.segments.size()) out_.segments.resize(row.group / k_ * k_ + k_);
      UnitTotals& seg = segment_units_[row.segment_key];
      out_.segments[row.group].add_exposure(seg.n, seg.y, r);
      seg.n += 1;
      seg.y += r;
    }
  }

  const ScanRequest& request_;
  const RewardIndex& rewards_;
  ScanResult& out_;
  const size_t k_;
  FlatMap64<UnitTotals> units_{1 << 16};
  FlatMap64<UnitTotals> segment_units_{1 << 4};
  Labels segments_, variants_;
  std::string pair_label_, hour_label_;  // reader thread: segment_of's scratch
  std::vector<VariantTally> variant_tallies_;  // variant_id left empty until finish()
  DaySnapshot today_;
  bool have_day_ = false;

  // Reader thread: segments_, variants_. Applier thread: everything
  // apply() touches, until run() has joined it.
};

}  // namespace

ScanResult scan_experiment(ledger::Ledger& ledger, const ScanRequest& request) {
  ScanResult out;
  const RewardIndex rewards = load_rewards(ledger, request.metric);
  Scanner scanner(request, rewards, out);
  ledger::ExposureScan scan{.fields = Scanner::fields(request.by),
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
  return out;
}

}  // namespace keyart::analysis
