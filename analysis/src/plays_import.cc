#include "keyart/analysis/plays_import.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

#include "csv_reader.h"
#include "keyart/analysis/iso_time.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/plays.h"

namespace keyart::analysis {

namespace {

// Unix seconds (below 1e11), milliseconds, or ISO-8601.
std::optional<int64_t> parse_ts_ms(const std::string& text) {
  double number = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec == std::errc() && ptr == end && std::isfinite(number)) {
    if (number < 0) return std::nullopt;
    return static_cast<int64_t>(std::llround(number < 1e11 ? number * 1000 : number));
  }
  return parse_iso_time_ms(text);
}

std::optional<bool> parse_flag(const std::string& text) {
  if (text.empty() || text == "0" || text == "false" || text == "no") return false;
  if (text == "1" || text == "true" || text == "yes") return true;
  return std::nullopt;
}

}  // namespace

PlaysImportResult import_plays(ledger::Ledger& ledger, const PlaysImportOptions& options) {
  CsvReader csv(options.csv_path, options.delimiter, options.max_line_bytes);
  std::vector<std::string> fields;
  int64_t line = 0;
  if (!csv.next(fields, line)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                              options.csv_path + ": empty file (a header is needed)");
  }
  std::unordered_map<std::string, size_t> column;
  for (size_t i = 0; i < fields.size(); ++i) column.emplace(fields[i], i);
  for (const char* required : {"unit_id", "title_id", "ts"}) {
    if (!column.count(required)) {
      throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                                options.csv_path + ": the header has no '" + required +
                                    "' column (columns: unit_id, title_id, ts, seconds, completed)");
    }
  }
  auto at = [&](const char* name) -> std::string {
    auto it = column.find(name);
    return it != column.end() && it->second < fields.size() ? fields[it->second] : std::string();
  };

  PlaysImportResult result;
  std::vector<ledger::Play> plays;
  std::unordered_map<std::string, bool> known;  // title -> in the catalogue
  auto bad = [&](const std::string& message) {
    ++result.rows_bad;
    if (result.errors.size() < options.max_errors_listed) result.errors.push_back({line, message});
  };
  while (csv.next(fields, line)) {
    ++result.rows_read;
    ledger::Play p;
    p.unit_id = at("unit_id");
    p.title_id = at("title_id");
    const std::string ts = at("ts"), seconds = at("seconds"), completed = at("completed");
    if (p.unit_id.empty() || p.unit_id.size() > ledger::kMaxUnitIdBytes) {
      bad("unit_id must be 1 to " + std::to_string(ledger::kMaxUnitIdBytes) + " bytes");
      continue;
    }
    auto [title, fresh] = known.try_emplace(p.title_id, false);
    if (fresh) title->second = ledger::find_title(ledger, p.title_id).has_value();
    if (!title->second) {
      bad("unknown title '" + p.title_id + "'");
      continue;
    }
    const auto when = parse_ts_ms(ts);
    if (!when) {
      bad("ts '" + ts + "' is not Unix seconds, Unix milliseconds or an ISO-8601 time");
      continue;
    }
    p.ts = *when;
    if (!seconds.empty()) {
      double value = 0;
      auto [ptr, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), value);
      if (ec != std::errc() || ptr != seconds.data() + seconds.size() || !std::isfinite(value) ||
          value < 0 || value > 1e7) {
        bad("seconds '" + seconds + "' is not a number between 0 and 10,000,000");
        continue;
      }
      p.seconds = value;
    }
    const auto flag = parse_flag(completed);
    if (!flag) {
      bad("completed '" + completed + "' is not true/false, 1/0 or yes/no");
      continue;
    }
    p.completed = *flag;
    p.play_key = ledger::play_key_of(p.unit_id, p.title_id, p.ts);
    plays.push_back(std::move(p));
  }
  if (result.rows_bad > 0 && !options.skip_bad) return result;  // nothing imported
  if (!plays.empty()) {
    const ledger::BatchResult written = ledger::EventWriter(ledger).write({}, {}, plays);
    if (!written.rejected.empty()) {  // checked above; only a concurrent change gets here
      throw ledger::LedgerError(ledger::ErrorKind::kConflict,
                                "the ledger refused a play: " + written.rejected.front().reason);
    }
    result.plays_written = static_cast<int64_t>(written.plays_written);
  }
  std::set<std::string> viewers, titles;
  for (const ledger::Play& p : plays) {
    viewers.insert(p.unit_id);
    titles.insert(p.title_id);
  }
  result.viewers = static_cast<int64_t>(viewers.size());
  result.titles = static_cast<int64_t>(titles.size());
  return result;
}

}  // namespace keyart::analysis
