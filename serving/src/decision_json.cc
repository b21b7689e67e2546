#include "decision_json.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <new>

#include "keyart/ledger/features_json.h"
#include "keyart/ledger/json_string.h"

namespace keyart::serving {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A per-thread parser whose depth limit keeps two levels inside the API's,
// so that whatever it accepts the full reading accepts too.
simdjson::dom::parser& parser_for(int max_depth) {
  thread_local simdjson::dom::parser parser;
  thread_local int depth = 0;
  if (depth != max_depth) {
    // A larger body later grows the capacity and keeps this depth.
    if (parser.allocate(4096, static_cast<size_t>(std::max(1, max_depth - 2)))) {
      throw std::bad_alloc();
    }
    depth = max_depth;
  }
  return parser;
}

// A number spelled -0: the full reading takes it for a signed integer (no
// seed or position may be one) where simdjson sees 0, so such bodies are
// left to the full reading (also when "-0" only follows ':', '[' or ','
// inside a string: rare, and merely slower).
bool has_minus_zero(std::string_view body) {
  for (size_t at = body.find("-0"); at != std::string_view::npos; at = body.find("-0", at + 1)) {
    size_t before = at;
    while (before > 0 && std::string_view(" \t\r\n").find(body[before - 1]) != std::string_view::npos) {
      --before;
    }
    if (before > 0 && (body[before - 1] == ':' || body[before - 1] == '[' || body[before - 1] == ',')) {
      return true;
    }
  }
  return false;
}

bool parse_object(std::string_view body, int max_depth, simdjson::dom::object& out) {
  if (has_minus_zero(body)) return false;
  element doc;
  if (parser_for(max_depth).parse(body.data(), body.size()).get(doc)) return false;
  return !doc.get_object().get(out);
}

bool is_null(element e) { return e.type() == element_type::NULL_VALUE; }

bool read_string(element e, std::string& out) {
  std::string_view s;
  if (e.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

// null: none; else an array of strings.
bool read_ids(element e, std::vector<std::string>& out) {
  out.clear();
  if (is_null(e)) return true;
  simdjson::dom::array list;
  if (e.get_array().get(list)) return false;
  for (element id : list) {
    std::string_view s;
    if (id.get_string().get(s)) return false;
    out.emplace_back(s);
  }
  return true;
}

bool read_features(element e, engine::NamedFeatures& out) {
  out = {};
  if (is_null(e)) return true;
  std::string reason;
  return ledger::read_features(e, out, reason);
}

bool read_unsigned(element e, uint64_t& out) {
  if (e.type() == element_type::UINT64) return !e.get_uint64().get(out);
  if (e.type() != element_type::INT64) return false;
  int64_t v = e.get_int64().value_unsafe();
  if (v < 0) return false;
  out = static_cast<uint64_t>(v);
  return true;
}

// true or false (null: false).
bool read_flag(element value, bool& out) {
  out = false;
  return is_null(value) || !value.get_bool().get(out);
}

// The members a decision and a page share: unit_id (have_unit: seen),
// context, user, experiment_id, seed, explain, defer_activation. false:
// declined; true and not taken: not one of them.
template <typename Request>
bool read_shared(std::string_view key, element value, Request& r, bool& taken, bool& have_unit) {
  taken = true;
  if (key == "unit_id") {
    have_unit = true;
    return read_string(value, r.unit_id);
  }
  if (key == "context") return read_features(value, r.context);
  if (key == "user") return read_features(value, r.user);
  if (key == "experiment_id") {
    r.experiment_id.reset();
    if (is_null(value)) return true;
    std::string id;
    if (!read_string(value, id)) return false;
    if (!id.empty()) r.experiment_id = std::move(id);
    return true;
  }
  if (key == "seed") {
    r.seed.reset();
    if (is_null(value)) return true;
    uint64_t seed = 0;
    if (!read_unsigned(value, seed)) return false;
    r.seed = seed;
    return true;
  }
  if (key == "explain") return read_flag(value, r.want_scores);
  if (key == "defer_activation") return read_flag(value, r.defer_activation);
  taken = false;
  return true;
}

// JSON text: plain ASCII strings only (false otherwise: the full writer
// checks and replaces what is not UTF-8), numbers as the full writer spells
// them (shortest round trip, ".0" on whole doubles).
bool append_string(std::string& out, std::string_view s) {
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  }
  ledger::append_json_string(out, s);
  return true;
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[40];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
  if (std::find_if(buf, end, [](char c) { return c == '.' || c == 'e'; }) == end) out += ".0";
}

template <typename Integer>
void append_integer(std::string& out, Integer v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

bool append_optional(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    out += "null";
    return true;
  }
  return append_string(out, *s);
}

}  // namespace

bool read_decide_fast(std::string_view body, int max_depth, DecideRequest& out) {
  simdjson::dom::object top;
  if (!parse_object(body, max_depth, top)) return false;
  bool have_unit = false, have_title = false;
  for (auto [key, value] : top) {
    bool taken = false;
    if (!read_shared(key, value, out, taken, have_unit)) return false;
    if (taken) continue;
    if (key == "title_id") {
      if (!read_string(value, out.title_id)) return false;
      have_title = true;
    } else if (key == "eligible") {
      if (!read_ids(value, out.eligible)) return false;
    } else if (key == "preview") {
      if (!read_flag(value, out.preview)) return false;
    } else if (key == "event_id") {
      out.client_event_id.reset();
      if (is_null(value)) continue;
      std::string id;
      if (!read_string(value, id)) return false;
      out.client_event_id = std::move(id);
    }
  }
  return have_unit && have_title;
}

bool read_page_fast(std::string_view body, int max_depth, size_t max_impressions,
                    DecidePageRequest& out) {
  simdjson::dom::object top;
  if (!parse_object(body, max_depth, top)) return false;
  bool have_unit = false, have_impressions = false;
  for (auto [key, value] : top) {
    bool taken = false;
    if (!read_shared(key, value, out, taken, have_unit)) return false;
    if (taken) continue;
    if (key == "max_same_actor") {
      out.max_same_actor.reset();
      if (is_null(value)) continue;
      if (value.type() != element_type::INT64 && value.type() != element_type::UINT64) return false;
      int64_t cap = 0;
      if (value.get_int64().get(cap) || cap < 1) return false;
      out.max_same_actor = static_cast<int>(std::min<int64_t>(cap, max_impressions));
    } else if (key == "impressions") {
      simdjson::dom::array list;
      if (value.get_array().get(list) || list.size() > max_impressions) return false;
      out.impressions.clear();
      for (element item : list) {
        simdjson::dom::object fields;
        if (item.get_object().get(fields)) return false;
        PageImpression imp;
        bool have_title = false;
        for (auto [name, field] : fields) {
          if (name == "title_id") {
            if (!read_string(field, imp.title_id)) return false;
            have_title = true;
          } else if (name == "position") {
            imp.position.reset();
            if (is_null(field)) continue;
            uint64_t position = 0;
            if (!read_unsigned(field, position)) return false;
            imp.position = static_cast<int64_t>(position);
          } else if (name == "eligible") {
            if (!read_ids(field, imp.eligible)) return false;
          }
        }
        if (!have_title) return false;
        out.impressions.push_back(std::move(imp));
      }
      have_impressions = true;
    }
  }
  return have_unit && have_impressions;
}

bool append_decision_json(const DecideResult& d, std::string& out) {
  const size_t start = out.size();
  bool ok = true;
  auto member = [&](const char* name) {
    out += out.size() > start + 1 ? ",\"" : "\"";
    out += name;
    out += "\":";
  };
  out += '{';
  member("arm_id");
  ok = ok && append_optional(out, d.arm_id);
  if (!d.candidates.empty()) {
    member("candidates");
    out += '[';
    for (size_t i = 0; i < d.candidates.size(); ++i) {
      const auto& c = d.candidates[i];
      if (i > 0) out += ',';
      out += "{\"probability\":";
      append_double(out, c.probability);
      if (c.score) {
        out += ",\"score\":";
        append_double(out, *c.score);
      }
      out += ",\"variant_id\":";
      ok = ok && append_string(out, c.variant_id);
      out += '}';
    }
    out += ']';
  }
  if (d.client_event_id) {
    member("client_event_id");
    ok = ok && append_string(out, *d.client_event_id);
  }
  if (d.deferred) {
    member("deferred");
    out += "true";
  }
  member("event_id");
  if (d.preview) {
    out += "null";
  } else {
    ok = ok && append_string(out, d.event_id);
  }
  member("experiment_id");
  ok = ok && append_optional(out, d.experiment_id);
  member("fallback");
  out += d.fallback ? "true" : "false";
  if (d.fallback) {
    member("fallback_reason");
    ok = ok && append_string(out, d.fallback_reason);
  }
  member("model_version");
  append_integer(out, d.model_version);
  if (d.page_rule_relaxed) {
    member("page_rule_relaxed");
    out += "true";
  }
  member("policy");
  ok = ok && append_string(out, d.policy);
  if (d.position) {
    member("position");
    append_integer(out, *d.position);
  }
  if (d.preview) {
    member("preview");
    out += "true";
  }
  member("propensity");
  append_double(out, d.propensity);
  member("repeat");
  out += d.repeat ? "true" : "false";
  if (!d.tastes.empty()) {
    member("tastes");
    out += '[';
    for (size_t i = 0; i < d.tastes.size(); ++i) {
      const auto& t = d.tastes[i];
      out += i > 0 ? ",{\"feature\":" : "{\"feature\":";
      ok = ok && append_string(out, t.feature);
      out += t.from_profile ? ",\"source\":\"profile\",\"value\":" : ",\"source\":\"request\",\"value\":";
      append_double(out, t.value);
      out += '}';
    }
    out += ']';
  }
  member("uri");
  ok = ok && append_string(out, d.uri);
  member("variant_id");
  ok = ok && append_string(out, d.variant_id);
  out += '}';
  if (!ok) out.resize(start);
  return ok;
}

bool page_answer_json(const std::vector<DecideResult>& decisions,
                      std::optional<int> max_same_actor, std::string& out) {
  out.clear();
  out.reserve(decisions.size() * 300 + 40);
  out += "{\"decisions\":[";
  for (size_t i = 0; i < decisions.size(); ++i) {
    if (i > 0) out += ',';
    if (!append_decision_json(decisions[i], out)) return false;
  }
  out += "],\"max_same_actor\":";
  if (max_same_actor) {
    append_integer(out, *max_same_actor);
  } else {
    out += "null";
  }
  out += '}';
  return true;
}

}  // namespace keyart::serving
