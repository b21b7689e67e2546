#include "analysis_scan.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "analysis_flat_map.h"

namespace keyart::experiments::analysis {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// Ids seen in the pass (segments, variants) numbered in order of first
// appearance; looked up by string_view without allocating.
class Labels {
 public:
  int index(std::string_view label) {
    auto it = index_.find(label);
    if (it != index_.end()) return it->second;
    int i = static_cast<int>(names_.size());
    names_.emplace_back(label);
    index_.emplace(names_.back(), i);
    return i;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, int, Hash, std::equal_to<>> index_;
  std::vector<std::string> names_;
};

struct UnitTotals {
  double n = 0;
  double y = 0;
};

int64_t floor_day(int64_t ts) { return ts >= 0 ? ts / kDayMs : -((-ts + kDayMs - 1) / kDayMs); }

// The metric's rewards on the experiment's exposures in the range, by
// exposure id. The join walks rewards and probes exposures by event id, so
// its cost follows the number of rewards, not of exposures.
FlatMap64<double> load_rewards(Ledger& ledger, const ScanRequest& request, ScanResult& out) {
  Statement st = ledger.db().prepare(
      "SELECT e.exposure_id, r.value FROM rewards AS r CROSS JOIN exposures AS e "
      "ON e.event_id = r.event_id "
      "WHERE r.kind = ?1 AND e.experiment_id = ?2 AND e.ts >= ?3 AND e.ts < ?4");
  st.bind_all(request.metric, request.experiment_id, request.since_ms, request.until_ms);
  FlatMap64<double> rewards(4096);
  while (st.step()) {
    const double value = st.column_double(1);
    if (value != 0 && value != 1) out.binary_metric = false;
    rewards[mix64(static_cast<uint64_t>(st.column_int(0)))] = value;
    ++out.rewards_joined;
  }
  return rewards;
}

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

ScanResult scan_experiment(Ledger& ledger, const ScanRequest& request) {
  ScanResult out;
  const size_t k = request.arm_ids.size();
  out.arms.assign(k, {});
  FlatMap64<double> rewards = load_rewards(ledger, request, out);

  Statement st = ledger.db().prepare(
      "SELECT exposure_id, ts, arm_id, unit_id, variant_id, device, country, hour "
      "FROM exposures WHERE experiment_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts");
  st.bind_all(request.experiment_id, request.since_ms, request.until_ms);

  FlatMap64<UnitTotals> units(1 << 16), segment_units(request.by == SegmentBy::kNone ? 1 : 1 << 16);
  Labels segments, variants;
  std::vector<std::array<double, 2>> variant_sums;  // rewards, sum r^2
  std::vector<int64_t> variant_exposures;
  DaySnapshot today;
  today.exposures.assign(k, 0);
  today.rewards.assign(k, 0);
  bool have_day = false;
  auto close_day = [&] {
    today.cumulative = out.arms;
    out.days.push_back(today);
    today.exposures.assign(k, 0);
    today.rewards.assign(k, 0);
  };

  const std::hash<std::string_view> hash;
  while (st.step()) {
    const int64_t ts = st.column_int(1);
    const std::string_view arm_id = st.column_text_view(2);
    size_t arm = 0;
    while (arm < k && request.arm_ids[arm] != arm_id) ++arm;
    if (arm == k) continue;  // the schema's foreign key makes this impossible

    const int64_t day = floor_day(ts);
    if (!have_day) {
      today.day = day;
      have_day = true;
      out.first_ts = ts;
    } else if (day != today.day) {
      close_day();
      today.day = day;
    }
    out.last_ts = ts;

    const auto exposure_id = static_cast<uint64_t>(st.column_int(0));
    const double* found = rewards.empty() ? nullptr : rewards.find(mix64(exposure_id));
    const double r = found ? *found : 0.0;
    ++out.exposures;
    out.rewards += r;
    ++today.exposures[arm];
    today.rewards[arm] += r;

    const uint64_t unit = hash(st.column_text_view(3));
    UnitTotals& totals = units[mix64(unit ^ (0x9e3779b97f4a7c15ULL * (arm + 1)))];
    out.arms[arm].add_exposure(totals.n, totals.y, r);
    totals.n += 1;
    totals.y += r;

    const std::string_view variant_id = st.column_text_view(4);
    const int v = variants.index(variant_id);
    if (static_cast<size_t>(v) == variant_exposures.size()) {
      variant_exposures.push_back(0);
      variant_sums.push_back({0, 0});
    }
    ++variant_exposures[v];
    variant_sums[v][0] += r;
    variant_sums[v][1] += r * r;

    if (request.by != SegmentBy::kNone) {
      int segment = 0;
      switch (request.by) {
        case SegmentBy::kDevice:
          segment = segments.index(st.is_null(5) ? "(unknown)" : st.column_text_view(5));
          break;
        case SegmentBy::kCountry:
          segment = segments.index(st.is_null(6) ? "(unknown)" : st.column_text_view(6));
          break;
        case SegmentBy::kHour:
          segment = segments.index(st.is_null(7) ? std::string("(unknown)")
                                                 : hour_bucket_label(st.column_int(7),
                                                                     request.hour_bucket));
          break;
        case SegmentBy::kVariant:
          segment = segments.index(variant_id);
          break;
        case SegmentBy::kNone:
          break;
      }
      const size_t group = static_cast<size_t>(segment) * k + arm;
      if (group >= out.segments.size()) out.segments.resize(group / k * k + k);
      UnitTotals& seg_totals =
          segment_units[mix64(unit ^ (0x9e3779b97f4a7c15ULL * (group + 1)) ^ 0x5bd1e995ULL)];
      out.segments[group].add_exposure(seg_totals.n, seg_totals.y, r);
      seg_totals.n += 1;
      seg_totals.y += r;
    }
  }
  if (have_day) close_day();

  out.segment_labels = segments.names();
  out.segments.resize(out.segment_labels.size() * k);
  for (size_t v = 0; v < variants.names().size(); ++v) {
    out.variants.push_back(
        {variants.names()[v], variant_exposures[v], variant_sums[v][0], variant_sums[v][1]});
  }
  out.peak_table_bytes =
      rewards.memory_bytes() + units.memory_bytes() + segment_units.memory_bytes();
  return out;
}

}  // namespace keyart::experiments::analysis
