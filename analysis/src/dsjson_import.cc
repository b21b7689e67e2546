#include "keyart/analysis/dsjson_import.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "import_writer.h"
#include "keyart/analysis/iso_time.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/client_event_id.h"
#include "keyart/ledger/errors.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/nested_features.h"

namespace keyart::analysis {

namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(const std::string& message) {
  throw ledger::LedgerError(ledger::ErrorKind::kInvalid, message);
}

// One event of the file, with its actions' features.
struct Event {
  ImportedRow row;
  std::vector<std::pair<std::string, engine::NamedFeatures>> actions;
};

std::string action_id(const json& action, size_t index) {
  if (auto i = action.find("i"); i != action.end() && i->is_object()) {
    if (auto id = i->find("id"); id != i->end() && id->is_string()) return id->get<std::string>();
  }
  if (auto tag = action.find("_tag"); tag != action.end() && tag->is_string()) {
    return tag->get<std::string>();
  }
  return std::to_string(index + 1);
}

// Parses one line; nullopt with the reason when it is not a ranked event.
std::optional<Event> parse_event(const std::string& line, const std::string& unit_feature,
                                 std::string& error) {
  json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  Event e;
  ImportedRow& row = e.row;
  auto id = doc.find("EventId");
  if (id == doc.end() || !id->is_string()) {
    error = "no EventId: not a ranked event";
    return std::nullopt;
  }
  if (std::string why = ledger::client_event_id_problem(id->get<std::string>()); !why.empty()) {
    error = "EventId: " + why;
    return std::nullopt;
  }
  row.event_id = id->get<std::string>();
  auto c = doc.find("c");
  if (c == doc.end() || !c->is_object()) {
    error = "no context \"c\": not a ranked event";
    return std::nullopt;
  }
  auto ts = doc.find("Timestamp");
  std::optional<int64_t> ms;
  if (ts != doc.end() && ts->is_string()) ms = parse_iso_time_ms(ts->get<std::string>());
  if (!ms || *ms < 0) {
    error = "Timestamp is missing or not an ISO-8601 time";
    return std::nullopt;
  }
  row.ts = *ms;
  auto multi = c->find("_multi");
  if (multi == c->end() || !multi->is_array() || multi->empty()) {
    error = "the context has no actions (\"_multi\")";
    return std::nullopt;
  }
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < multi->size(); ++i) {
    const json& a = (*multi)[i];
    if (!a.is_object()) {
      error = "action " + std::to_string(i + 1) + " is not an object";
      return std::nullopt;
    }
    std::string aid = action_id(a, i);
    if (aid.empty() || !seen.insert(aid).second) {
      error = "two actions have the id '" + aid + "'";
      return std::nullopt;
    }
    engine::NamedFeatures features;
    std::string reason;
    ledger::add_nested_features(a, features, reason);  // an object: always read
    row.candidates.push_back(aid);
    e.actions.emplace_back(std::move(aid), std::move(features));
  }
  std::string reason;
  json shared = *c;
  shared.erase("_multi");
  ledger::add_nested_features(shared, row.context, reason);
  int64_t chosen = -1;
  if (auto li = doc.find("_labelIndex"); li != doc.end() && li->is_number_integer()) {
    chosen = li->get<int64_t>();
  } else if (auto la = doc.find("_label_Action"); la != doc.end() && la->is_number_integer()) {
    chosen = la->get<int64_t>() - 1;
  }
  if (chosen < 0 || chosen >= static_cast<int64_t>(e.actions.size())) {
    error = "the chosen action (_labelIndex / _label_Action) is missing or not one of the " +
            std::to_string(e.actions.size()) + " actions";
    return std::nullopt;
  }
  row.action = e.actions[static_cast<size_t>(chosen)].first;
  auto p = doc.find("_label_probability");
  if (p == doc.end() || !p->is_number() || !(p->get<double>() > 0 && p->get<double>() <= 1)) {
    error = "_label_probability is missing or not in (0, 1]";
    return std::nullopt;
  }
  row.propensity = p->get<double>();
  if (auto cost = doc.find("_label_cost"); cost != doc.end() && !cost->is_null()) {
    if (!cost->is_number() || std::fabs(cost->get<double>()) > 1e12) {
      error = "_label_cost is not a number";
      return std::nullopt;
    }
    row.reward = cost->get<double>() == 0 ? 0.0 : -cost->get<double>();
  }
  if (auto d = doc.find("DeferredAction"); d != doc.end() && d->is_boolean()) {
    row.deferred = d->get<bool>();
  }
  if (auto o = doc.find("o"); o != doc.end() && o->is_array()) {
    for (const json& outcome : *o) {
      if (!outcome.is_object()) continue;
      auto taken = outcome.find("ActionTaken");
      if (taken != outcome.end() && taken->is_boolean() && taken->get<bool>()) row.activated = true;
    }
  }
  if (unit_feature.empty()) {
    row.unit = *row.event_id;
  } else {
    const engine::NamedValue* v = row.context.find(unit_feature);
    if (!v) {
      error = "the context has no feature '" + unit_feature + "' naming the viewer";
      return std::nullopt;
    }
    if (v->is_text) {
      row.unit = v->text;
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v->number);
      row.unit = buf;
    }
    if (row.unit.empty() || row.unit.size() > 256) {
      error = "the viewer ('" + unit_feature + "') is empty or longer than 256 characters";
      return std::nullopt;
    }
  }
  return e;
}

// Calls fn(line number, event or nullopt, error) for every non-blank line.
template <typename Fn>
void for_each_line(const DsjsonImportOptions& o, const Fn& fn) {
  std::ifstream in(o.path, std::ios::binary);
  if (!in) throw ledger::LedgerError(ledger::ErrorKind::kNotFound, "cannot read " + o.path);
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.size() > o.max_line_bytes) {
      invalid(o.path + ": line " + std::to_string(number) + " is longer than " +
              std::to_string(o.max_line_bytes) + " bytes; nothing imported");
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string error;
    auto event = parse_event(line, o.unit_feature, error);
    fn(number, event, error);
  }
  if (in.bad()) throw ledger::LedgerError(ledger::ErrorKind::kIo, "error reading " + o.path);
}

}  // namespace

ImportResult import_dsjson(ledger::Ledger& ledger, const DsjsonImportOptions& o) {
  const std::string title_id = check_new_import(ledger, o.experiment_id, o.title_id);
  // Pass 1: validate every line, and learn the actions and their features.
  ImportResult result;
  ImportActions actions(title_id);
  int64_t first_ts = INT64_MAX, last_ts = INT64_MIN;
  std::unordered_set<std::string> event_ids;
  for_each_line(o, [&](int64_t line, std::optional<Event>& event, std::string& error) {
    ++result.rows_read;
    if (event && !event_ids.insert(*event->row.event_id).second) {
      error = "EventId '" + *event->row.event_id + "' appears twice in the file";
      event.reset();
    } else if (event && ledger::find_exposure(
                            ledger, engine::to_hex(ledger::client_event_id(*event->row.event_id)))) {
      error = "EventId '" + *event->row.event_id +
              "' is already in the ledger (imported before, or served through the "
              "Personalizer API)";
      event.reset();
    }
    if (!event) {
      ++result.rows_bad;
      if (result.errors.size() < o.errors_listed) result.errors.push_back({line, error});
      return;
    }
    for (auto& [id, features] : event->actions) {
      actions.note(id);
      actions.set_features(id, std::move(features));
    }
    first_ts = std::min(first_ts, event->row.ts);
    last_ts = std::max(last_ts, event->row.ts);
  });
  result.actions = static_cast<int64_t>(actions.actions().size());
  if (result.rows_read == 0) invalid(o.path + " holds no events");
  if (result.rows_read == result.rows_bad) return result;
  if (result.rows_bad > 0 && !o.skip_bad) return result;

  // Pass 2: write, in one transaction.
  std::unordered_set<std::string> written;
  const ImportPlan plan{.source_path = o.path, .experiment_id = o.experiment_id,
                        .experiment_name = o.experiment_name, .metric = o.metric,
                        .actions = &actions, .first_ts = first_ts, .last_ts = last_ts};
  write_import(ledger, plan, [&](const std::function<void(ImportedRow&&)>& emit) {
    for_each_line(o, [&](int64_t, std::optional<Event>& event, std::string&) {
      // A bad line, or the second of a repeated id, was counted in pass 1.
      if (event && written.insert(*event->row.event_id).second) emit(std::move(event->row));
    });
  }, result);
  result.imported = true;
  result.first_ts = first_ts;
  result.last_ts = last_ts;
  return result;
}

}  // namespace keyart::analysis
