#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <unordered_map>

#include "csv_reader.h"
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

struct Row {
  int64_t ts = 0;
  std::string action, unit;
  double reward = 0, propensity = 1;
  std::optional<int64_t> position, hour;
  std::optional<std::string> device, country;
  std::vector<std::string> candidates;
  engine::NamedFeatures user;
};

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
  ledger.require_writable();
  ledger::require_valid_id("experiment", o.experiment_id);
  const std::string title_id = o.title_id.empty() ? o.experiment_id : o.title_id;
  ledger::require_valid_id("title", title_id);
  if (ledger::find_experiment(ledger, o.experiment_id)) {
    throw ledger::LedgerError(ledger::ErrorKind::kConflict, "experiment '" + o.experiment_id +
                                                "' already exists: choose another --experiment");
  }
  const auto features = read_action_features(o);

  // Pass 1: validate every row.
  ImportResult result;
  Validation seen;
  std::unordered_map<std::string, std::string> variant_of;  // action -> variant id
  std::unordered_map<std::string, std::string> action_of;   // variant id -> action
  Layout layout;
  {
    CsvReader reader(o.csv_path, o.delimiter, o.max_line_bytes);
    std::vector<std::string> header, fields;
    int64_t line = 0;
    if (!reader.next(header, line)) invalid(o.csv_path + " is empty: no header row");
    layout = resolve(o.mappings, header, o.csv_path);
    auto note_action = [&](const std::string& action) {
      if (variant_of.count(action)) return;
      std::string id = ledger::external_variant_id(title_id, action);
      if (!ledger::is_valid_id(id)) invalid("action '" + action + "' is too long for a variant id");
      if (auto clash = action_of.find(id); clash != action_of.end()) {
        invalid("actions '" + clash->second + "' and '" + action + "' both become variant '" +
                id + "': rename one of them");
      }
      action_of[id] = action;
      variant_of[action] = id;
      seen.actions.push_back(action);
    };
    while (reader.next(fields, line)) {
      ++result.rows_read;
      std::string error;
      auto row = parse_row(layout, fields, line, error);
      if (!row) {
        ++result.rows_bad;
        if (result.errors.size() < o.errors_listed) result.errors.push_back({line, error});
        continue;
      }
      note_action(row->action);
      for (const auto& c : row->candidates) note_action(c);
      seen.first_ts = std::min(seen.first_ts, row->ts);
      seen.last_ts = std::max(seen.last_ts, row->ts);
    }
    for (const auto& [action, f] : features) note_action(action);
  }
  result.actions = static_cast<int64_t>(seen.actions.size());
  if (result.rows_read == result.rows_bad) {
    if (result.rows_read == 0) invalid(o.csv_path + " has a header but no rows");
    return result;  // nothing valid to import
  }
  if (result.rows_bad > 0 && !o.skip_bad) return result;

  // Pass 2: write, in one transaction.
  ledger::Transaction tx(ledger);
  if (!ledger::find_title(ledger, title_id)) {
    ledger::add_title(ledger, {.title_id = title_id,
                       .name = "Imported: " + std::filesystem::path(o.csv_path).filename().string(),
                       .created_at = seen.first_ts});
  }
  for (const std::string& action : seen.actions) {
    const std::string& id = variant_of[action];
    if (auto existing = ledger::find_variant(ledger, id)) {
      if (existing->title_id != title_id) {
        throw ledger::LedgerError(ledger::ErrorKind::kConflict, "variant '" + id + "' already belongs to title '" +
                                                    existing->title_id + "'");
      }
    } else {
      ledger::add_variant(ledger, {.variant_id = id, .title_id = title_id, .kind = "external",
                           .original_name = action, .uploaded_at = seen.first_ts,
                           .uploaded_by = "import"});
    }
    if (auto f = features.find(action); f != features.end()) {
      ledger::put_variant_features(ledger, {.variant_id = id, .extractor_version = "import",
                                    .features_json =
                                        ledger::arm_features_record(f->second.named, "import"),
                                    .vector = f->second.vector, .extracted_at = seen.first_ts});
      ++result.actions_with_features;
    }
  }
  ledger::Experiment e;
  e.experiment_id = o.experiment_id;
  e.name = o.experiment_name.empty() ? std::filesystem::path(o.csv_path).filename().string()
                                     : o.experiment_name;
  e.description = "imported from " + o.csv_path;
  e.source = "import";
  e.metric = o.metric;
  e.title_ids = {title_id};
  e.created_at = seen.first_ts;
  e.arms = {{.arm_id = "logged", .policy_spec = "logged", .traffic_share = 1.0, .is_control = true}};
  ledger::create_experiment(ledger, e);
  ledger::start_experiment(ledger, o.experiment_id, seen.first_ts);

  ledger::EventWriter writer(ledger);
  std::vector<ledger::Exposure> exposures;
  std::vector<ledger::Reward> rewards;
  auto write_batch = [&] {
    ledger::BatchResult written = writer.write(exposures, rewards);
    if (!written.rejected.empty()) {
      throw ledger::LedgerError(ledger::ErrorKind::kInternal,
                        "the ledger refused an imported row: " + written.rejected.front().reason);
    }
    result.rows_imported += static_cast<int64_t>(written.exposures_written);
    result.rewards_written += static_cast<int64_t>(written.rewards_written);
    exposures.clear();
    rewards.clear();
  };
  CsvReader reader(o.csv_path, o.delimiter, o.max_line_bytes);
  std::vector<std::string> fields;
  int64_t line = 0;
  reader.next(fields, line);  // the header
  while (reader.next(fields, line)) {
    std::string error;
    auto row = parse_row(layout, fields, line, error);
    if (!row) continue;  // counted in pass 1 (skip_bad)
    ledger::Exposure x;
    x.event_id = engine::to_hex(engine::new_event_id(row->ts));
    x.ts = row->ts;
    x.experiment_id = o.experiment_id;
    x.arm_id = "logged";
    x.unit_id = row->unit;
    x.title_id = title_id;
    x.variant_id = variant_of[row->action];
    x.position = row->position;
    x.policy = "logged";
    x.propensity = row->propensity;
    engine::NamedFeatures context;
    if (row->device) context.set(engine::kDeviceField, *row->device);
    if (row->country) context.set(engine::kCountryField, *row->country);
    if (row->hour) context.set(engine::kHourField, static_cast<double>(*row->hour));
    if (row->position) context.set("position", static_cast<double>(*row->position));
    ledger::encode_request(context, row->user, x);
    if (!row->candidates.empty()) {
      std::vector<std::string> ids;
      for (const auto& c : row->candidates) ids.push_back(variant_of[c]);
      x.candidates_json = ledger::encode_candidates(ids);
    }
    if (row->reward != 0) rewards.push_back({x.event_id, o.metric, row->reward, row->ts});
    exposures.push_back(std::move(x));
    if (exposures.size() == 10'000) write_batch();
  }
  write_batch();
  ledger::stop_experiment(ledger, o.experiment_id, seen.last_ts);
  tx.commit();
  result.imported = true;
  result.first_ts = seen.first_ts;
  result.last_ts = seen.last_ts;
  return result;
}

}  // namespace keyart::analysis
