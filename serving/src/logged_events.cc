#include "logged_events.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace keyart::serving {

namespace {

// JSON text written directly (this runs once per decision): strings escaped
// per RFC 8259, numbers with 17 significant digits so they read back exactly.
void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_features(std::string& out, const engine::NamedFeatures& features) {
  out += '{';
  bool first = true;
  for (const auto& v : features.values()) {
    if (!first) out += ',';
    first = false;
    append_string(out, v.name);
    out += ':';
    if (v.is_text) {
      append_string(out, v.text);
    } else {
      char buf[32];
      int n = std::snprintf(buf, sizeof buf, "%.17g", v.number);
      out.append(buf, static_cast<size_t>(n));
    }
  }
  out += '}';
}

}  // namespace

void describe_request(const DecisionRecord& r, experiments::Exposure& e) {
  std::string& doc = e.context_json;
  doc.clear();
  doc += "{\"context\":";
  append_features(doc, *r.context);
  doc += ",\"user\":";
  append_features(doc, *r.user);
  if (r.decision->repeat) {
    doc += ",\"repeat_of\":";
    append_string(doc, engine::to_hex(r.decision->repeat_of));
  }
  doc += '}';
  std::string& ids = e.candidates_json;
  ids = "[";
  for (const auto* v : r.candidates) {
    if (ids.size() > 1) ids += ',';
    append_string(ids, v->id);
  }
  ids += ']';
  if (const auto* device = r.context->find("device"); device && device->is_text) {
    e.device = device->text;
  }
  if (const auto* country = r.context->find("country"); country && country->is_text) {
    e.country = country->text;
  }
  if (const auto* hour = r.context->find("hour"); hour && !hour->is_text) {
    e.hour = static_cast<int64_t>(hour->number);
  }
}

std::optional<engine::LoggedDecision> logged_decision(const experiments::StoredExposure& row,
                                                      const CatalogCache& catalog,
                                                      std::string& reason) {
  engine::LoggedDecision d;
  if (!engine::parse_event_id(row.event_id, d.event_id)) {
    reason = "bad event id";
    return std::nullopt;
  }
  d.time_ms = row.ts;
  d.unit = row.unit_id;
  d.title = row.title_id;
  d.propensity = row.propensity;
  auto doc = nlohmann::json::parse(row.context_json, nullptr, false);
  auto ids = nlohmann::json::parse(row.candidates_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || ids.is_discarded() || !ids.is_array()) {
    reason = "context or candidates are not JSON";
    return std::nullopt;
  }
  try {
    if (doc.contains("context")) d.context = engine::NamedFeatures::from_json(doc["context"]);
    if (doc.contains("user")) d.user = engine::NamedFeatures::from_json(doc["user"]);
  } catch (const std::exception& e) {
    reason = e.what();
    return std::nullopt;
  }
  d.repeat = doc.contains("repeat_of");
  std::string default_variant;
  if (auto title = catalog.titles.find(row.title_id); title != catalog.titles.end()) {
    d.title_features = title->second.features;
    if (title->second.default_index >= 0) {
      default_variant = title->second.active[title->second.default_index]->id;
    }
  }
  for (const auto& id : ids) {
    if (!id.is_string()) {
      reason = "candidate id is not a string";
      return std::nullopt;
    }
    auto v = catalog.variants.find(id.get<std::string>());
    if (v == catalog.variants.end()) {
      reason = "candidate '" + id.get<std::string>() + "' is not in the catalogue";
      return std::nullopt;
    }
    if (v->first == row.variant_id) d.chosen = static_cast<int>(d.candidates.size());
    d.candidates.push_back({v->first, v->second.prepared.named, v->first == default_variant});
  }
  if (d.chosen < 0) {
    reason = "the shown variant is not among the candidates";
    return std::nullopt;
  }
  return d;
}

}  // namespace keyart::serving
