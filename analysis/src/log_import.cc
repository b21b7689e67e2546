#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <unordered_map>

#include "csv_reader.h"
#include "import_writer.h"
#include "number_text.h"
#include "keyart/engine/context_fields.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/analysis/log_import.h"
#include "keyart/analysis/iso_time.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"

namespace keyart::analysis {

namespace {

struct FieldName {
  ImportField field;
  const char* name;
};
constexpr FieldName kFields[] = {
    {ImportField::kTimestamp, "timestamp"}, {ImportField::kAction, "action"},
    {ImportField::kReward, "reward"},       {ImportField::kPropensity, "propensity"},
    {ImportField::kUnit, "unit"},           {ImportField::kPosition, "position"},
    {ImportField::kCandidates, "candidates"}, {ImportField::kDevice, engine::kDeviceField.data()},
    {ImportField::kCountry, engine::kCountryField.data()}, {ImportField::kHour, engine::kHourField.data()},
    {ImportField::kUser, "user"}};

const char* field_name(ImportField f) {
  for (const auto& n : kFields) {
    if (n.field == f) return n.name;
  }
  return "?";
}

[[noreturn]] void invalid(const std::string& message) {
  throw ledger::LedgerError(ledger::ErrorKind::kInvalid, message);
}


// The ledger holds times from the Unix epoch to the end of year 9999.
constexpr int64_t kLatestMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Unix seconds below 1e11 (until the year 5138), Unix ms above; else ISO.
// Times before 1970 or after 9999 are refused (the ledger stores ts >= 0).
std::optional<int64_t> parse_timestamp(std::string_view text) {
  std::optional<int64_t> ms;
  if (auto number = parse_number(text)) {
    if (*number < 0 || *number > static_cast<double>(kLatestMs)) return std::nullopt;
    ms = *number < 1e11 ? static_cast<int64_t>(std::llround(*number * 1000))
                        : static_cast<int64_t>(std::llround(*number));
  } else {
    ms = parse_iso_time_ms(text);
  }
  if (!ms || *ms < 0 || *ms > kLatestMs) return std::nullopt;
  return ms;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) parts.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

// A CSV field as a feature: a number when it reads as one, else text.
void set_feature(engine::NamedFeatures& features, const std::string& name,
                 const std::string& text) {
  if (auto number = parse_number(text)) {
    features.set(name, *number);
  } else {
    features.set(name, text);
  }
}

// Column positions of every mapped field, from the header.
struct Layout {
  std::optional<size_t> field[11];
  std::vector<std::pair<std::string, size_t>> user;  // feature name, column
  size_t columns = 0;
  std::optional<size_t> operator()(ImportField f) const { return field[static_cast<int>(f)]; }
};

Layout resolve(const std::vector<ColumnMapping>& mappings, const std::vector<std::string>& header,
               const std::string& path) {
  Layout layout;
  layout.columns = header.size();
  for (const ColumnMapping& m : mappings) {
    auto it = std::find(header.begin(), header.end(), m.column);
    if (it == header.end()) {
      std::string columns;
      for (const auto& h : header) columns += (columns.empty() ? "" : ", ") + h;
      invalid("column '" + m.column + "' is not in the header of " + path + " (columns: " +
              columns + ")");
    }
    const size_t index = static_cast<size_t>(it - header.begin());
    if (m.field == ImportField::kUser) {
      layout.user.push_back({m.column, index});
      continue;
    }
    auto& slot = layout.field[static_cast<int>(m.field)];
    if (slot) invalid(std::string("two columns are mapped to ") + field_name(m.field));
    slot = index;
  }
  for (ImportField required : {ImportField::kTimestamp, ImportField::kAction,
                               ImportField::kReward, ImportField::kPropensity}) {
    if (!layout(required)) {
      invalid(std::string("no column is mapped to ") + field_name(required) + " (add --map COLUMN=" +
              field_name(required) + ")");
    }
  }
  return layout;
}

using Row = ImportedRow;

// Parses one record; the error message names the column and the value.
std::optional<Row> parse_row(const Layout& layout, const std::vector<std::string>& fields,
                             int64_t line, std::string& error) {
  if (fields.size() != layout.columns) {
    error = std::to_string(fields.size()) + " fields where the header has " +
            std::to_string(layout.columns);
    return std::nullopt;
  }
  auto value = [&](ImportField f) -> const std::string& { return fields[*layout(f)]; };
  Row row;
  const std::string& ts = value(ImportField::kTimestamp);
  auto parsed_ts = parse_timestamp(ts);
  if (!parsed_ts) {
    error = "timestamp '" + ts + "' is not Unix seconds, Unix ms or an ISO-8601 time in 1970-9999";
    return std::nullopt;
  }
  row.ts = *parsed_ts;
  row.action = value(ImportField::kAction);
  if (row.action.empty()) {
    error = "the action is empty";
    return std::nullopt;
  }
  const std::string& reward = value(ImportField::kReward);
  auto r = reward.empty() ? std::optional<double>(0.0) : parse_number(reward);
  if (!r || std::fabs(*r) > 1e12) {
    error = "reward '" + reward + "' is not a number";
    return std::nullopt;
  }
  row.reward = *r;
  const std::string& propensity = value(ImportField::kPropensity);
  auto p = parse_number(propensity);
  if (!p || !(*p > 0 && *p <= 1)) {
    error = "propensity '" + propensity + "' is not in (0, 1]";
    return std::nullopt;
  }
  row.propensity = *p;
  row.unit = layout(ImportField::kUnit) ? value(ImportField::kUnit) : "row-" + std::to_string(line);
  if (row.unit.empty() || row.unit.size() > 256) {
    error = "the unit is empty or longer than 256 characters";
    return std::nullopt;
  }
  if (layout(ImportField::kPosition) && !value(ImportField::kPosition).empty()) {
    row.position = parse_integer(value(ImportField::kPosition));
    if (!row.position || *row.position < 0) {
      error = "position '" + value(ImportField::kPosition) + "' is not an integer >= 0";
      return std::nullopt;
    }
  }
  if (layout(ImportField::kHour) && !value(ImportField::kHour).empty()) {
    row.hour = parse_integer(value(ImportField::kHour));
    if (!row.hour || !engine::valid_hour(static_cast<double>(*row.hour))) {
      error = "hour '" + value(ImportField::kHour) + "' is not 0-23";
      return std::nullopt;
    }
  }
  if (layout(ImportField::kDevice) && !value(ImportField::kDevice).empty()) {
    row.device = value(ImportField::kDevice);
  }
  if (layout(ImportField::kCountry) && !value(ImportField::kCountry).empty()) {
    row.country = value(ImportField::kCountry);
  }
  if (layout(ImportField::kCandidates)) {
    row.candidates = split(value(ImportField::kCandidates), '|');
    if (std::find(row.candidates.begin(), row.candidates.end(), row.action) ==
        row.candidates.end()) {
      error = "action '" + row.action + "' is not among the row's candidates";
      return std::nullopt;
    }
  }
  for (const auto& [name, column] : layout.user) {
    if (!fields[column].empty()) set_feature(row.user, name, fields[column]);
  }
  return row;
}

// Action features: action id -> (bandit features, numeric vector).
struct ActionFeatures {
  engine::NamedFeatures named;
  std::vector<double> vector;
};

std::unordered_map<std::string, ActionFeatures> read_action_features(const ImportOptions& o) {
  std::unordered_map<std::string, ActionFeatures> out;
  if (o.action_features_path.empty()) return out;
  if (o.action_key_column.empty()) invalid("--action-features needs --action-key COLUMN");
  CsvReader reader(o.action_features_path, o.delimiter, o.max_line_bytes);
  std::vector<std::string> header, fields;
  int64_t line = 0;
  if (!reader.next(header, line)) invalid(o.action_features_path + " is empty");
  auto key = std::find(header.begin(), header.end(), o.action_key_column);
  if (key == header.end()) {
    invalid("column '" + o.action_key_column + "' is not in the header of " +
            o.action_features_path);
  }
  const size_t key_index = static_cast<size_t>(key - header.begin());
  while (reader.next(fields, line)) {
    if (fields.size() != header.size()) {
      invalid(o.action_features_path + ": line " + std::to_string(line) + ": " +
              std::to_string(fields.size()) + " fields where the header has " +
              std::to_string(header.size()));
    }
    ActionFeatures f;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i == key_index) continue;
      set_feature(f.named, header[i], fields[i]);
      if (auto number = parse_number(fields[i])) f.vector.push_back(*number);
    }
    if (!out.emplace(fields[key_index], std::move(f)).second) {
      invalid(o.action_features_path + ": line " + std::to_string(line) + ": action '" +
              fields[key_index] + "' is listed twice");
    }
  }
  return out;
}

struct Validation {
  std::vector<std::string> actions;  // in order of first appearance
  int64_t first_ts = INT64_MAX, last_ts = INT64_MIN;
};

}  // namespace

ColumnMapping parse_column_mapping(std::string_view text) {
  const size_t eq = text.rfind('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    invalid("--map '" + std::string(text) + "' is not COLUMN=FIELD (e.g. item_id=action)");
  }
  const std::string_view name = text.substr(eq + 1);
  for (const auto& f : kFields) {
    if (name == f.name) return {std::string(text.substr(0, eq)), f.field};
  }
  std::string fields;
  for (const auto& f : kFields) fields += (fields.empty() ? "" : ", ") + std::string(f.name);
  invalid("--map '" + std::string(text) + "': unknown field '" + std::string(name) +
          "' (fields: " + fields + ")");
}

ImportResult import_logs(ledger::Ledger& ledger, const ImportOptions& o) {
  const std::string title_id = check_new_import(ledger, o.experiment_id, o.title_id);
  auto features = read_action_features(o);

  // Pass 1: validate every row.
  ImportResult result;
  Validation seen;
  ImportActions actions(title_id);
  Layout layout;
  {
    CsvReader reader(o.csv_path, o.delimiter, o.max_line_bytes);
    std::vector<std::string> header, fields;
    int64_t line = 0;
    if (!reader.next(header, line)) invalid(o.csv_path + " is empty: no header row");
    layout = resolve(o.mappings, header, o.csv_path);
    while (reader.next(fields, line)) {
      ++result.rows_read;
      std::string error;
      auto row = parse_row(layout, fields, line, error);
      if (!row) {
        ++result.rows_bad;
        if (result.errors.size() < o.errors_listed) result.errors.push_back({line, error});
        continue;
      }
      actions.note(row->action);
      for (const auto& c : row->candidates) actions.note(c);
      seen.first_ts = std::min(seen.first_ts, row->ts);
      seen.last_ts = std::max(seen.last_ts, row->ts);
    }
    for (auto& [action, f] : features) {
      actions.note(action);
      actions.set_features(action, std::move(f.named), std::move(f.vector));
    }
  }
  result.actions = static_cast<int64_t>(actions.actions().size());
  if (result.rows_read == result.rows_bad) {
    if (result.rows_read == 0) invalid(o.csv_path + " has a header but no rows");
    return result;  // nothing valid to import
  }
  if (result.rows_bad > 0 && !o.skip_bad) return result;

  // Pass 2: write, in one transaction.
  const ImportPlan plan{.source_path = o.csv_path, .experiment_id = o.experiment_id,
                        .experiment_name = o.experiment_name, .metric = o.metric,
                        .actions = &actions, .first_ts = seen.first_ts, .last_ts = seen.last_ts};
  write_import(ledger, plan, [&](const std::function<void(ImportedRow&&)>& emit) {
    CsvReader reader(o.csv_path, o.delimiter, o.max_line_bytes);
    std::vector<std::string> fields;
    int64_t line = 0;
    reader.next(fields, line);  // the header
    while (reader.next(fields, line)) {
      std::string error;
      auto row = parse_row(layout, fields, line, error);
      if (row) emit(std::move(*row));  // a bad one was counted in pass 1 (skip_bad)
    }
  }, result);
  result.imported = true;
  result.first_ts = seen.first_ts;
  result.last_ts = seen.last_ts;
  return result;
}

}  // namespace keyart::analysis
