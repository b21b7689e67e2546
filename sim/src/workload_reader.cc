#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "keyart/sim/workload.h"

namespace keyart::sim {

VariantCache::VariantCache() : slots_(1024) {}

const engine::PreparedVariant* VariantCache::find(std::string_view id) const {
  const uint64_t key = engine::feature_key(id);
  const size_t mask = slots_.size() - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.variant == nullptr) return nullptr;
    if (s.key != key || s.length != id.size()) continue;
    const size_t inline_len = std::min<size_t>(id.size(), sizeof s.prefix);
    if (std::memcmp(s.prefix, id.data(), inline_len) != 0) continue;
    if (id.size() <= sizeof s.prefix || s.variant->id == id) return s.variant;
  }
}

void VariantCache::insert(const engine::PreparedVariant* v) {
  const size_t mask = slots_.size() - 1;
  size_t i = v->id_key & mask;
  while (slots_[i].variant != nullptr) i = (i + 1) & mask;
  Slot& s = slots_[i];
  s.key = v->id_key;
  s.variant = v;
  s.length = static_cast<uint32_t>(v->id.size());
  std::memcpy(s.prefix, v->id.data(), std::min(v->id.size(), sizeof s.prefix));
}

const engine::PreparedVariant* VariantCache::add(engine::PreparedVariant variant) {
  variants_.push_back(std::make_unique<engine::PreparedVariant>(std::move(variant)));
  if (variants_.size() * 2 > slots_.size()) {
    slots_.assign(slots_.size() * 2, Slot{});
    for (const auto& v : variants_) insert(v.get());
  } else {
    insert(variants_.back().get());
  }
  return variants_.back().get();
}

namespace {

using Clock = std::chrono::steady_clock;
namespace dom = simdjson::dom;

[[noreturn]] void bad(const std::string& path, uint64_t line, const std::string& what) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + what +
                           " (the workload format: docs/SIM.md)");
}

struct Where {
  const std::string& path;
  uint64_t line;
};

double number(dom::element v, const Where& w, const char* what) {
  double d;
  if (v.get_double().get(d) != simdjson::SUCCESS) bad(w.path, w.line, std::string(what) + " must be a number");
  return d;
}
std::string_view text(dom::element v, const Where& w, const char* what) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) bad(w.path, w.line, std::string(what) + " must be a string");
  return s;
}
dom::object object(dom::element v, const Where& w, const char* what) {
  dom::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) bad(w.path, w.line, std::string(what) + " must be an object");
  return o;
}
dom::array array(dom::element v, const Where& w, const char* what) {
  dom::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS) bad(w.path, w.line, std::string(what) + " must be an array");
  return a;
}

void parse_features(dom::element v, std::vector<std::pair<std::string_view, double>>& out,
                    const Where& w, const char* what) {
  out.clear();
  for (auto field : object(v, w, what)) out.emplace_back(field.key, number(field.value, w, what));
}

engine::NamedFeatures parse_named(dom::element v, const Where& w) {
  engine::NamedFeatures f;
  for (auto field : object(v, w, "features")) {
    switch (field.value.type()) {
      case dom::element_type::STRING:
        f.set(field.key, text(field.value, w, "variant feature"));
        break;
      case dom::element_type::BOOL:
        f.set(field.key, bool(field.value) ? 1.0 : 0.0);
        break;
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE:
        f.set(field.key, number(field.value, w, "variant feature"));
        break;
      default:
        bad(w.path, w.line, "variant feature '" + std::string(field.key) + "' must be a number or a string");
    }
  }
  return f;
}

void parse_impression(dom::element doc, Impression& imp, VariantCache& variants, const Where& w) {
  imp.context.clear();
  imp.user_features.clear();
  imp.title_features.clear();
  imp.candidates.clear();
  imp.p_click.clear();
  imp.title = {};
  imp.has_plays = false;
  bool has_u = false, has_user = false;
  int play_fields = 0;
  auto play_field = [&](dom::element v, const char* name, double& out) {
    out = number(v, w, name);
    ++play_fields;
  };
  for (auto field : object(doc, w, "an impression")) {
    const std::string_view key = field.key;
    const dom::element v = field.value;
    if (key == "t") {
      imp.t = static_cast<int64_t>(number(v, w, "t"));
    } else if (key == "user") {
      imp.user = static_cast<int64_t>(number(v, w, "user"));
      has_user = true;
    } else if (key == "context") {
      for (auto cf : object(v, w, "context")) {
        Impression::Value cv;
        cv.name = cf.key;
        if (cf.value.type() == dom::element_type::STRING) {
          cv.is_text = true;
          cv.text = text(cf.value, w, "context value");
        } else {
          cv.number = number(cf.value, w, "context value");
        }
        imp.context.push_back(cv);
      }
    } else if (key == "user_features") {
      parse_features(v, imp.user_features, w, "user_features");
    } else if (key == "title") {
      imp.title = text(v, w, "title");
    } else if (key == "title_features") {
      parse_features(v, imp.title_features, w, "title_features");
    } else if (key == "candidates") {
      for (dom::element c : array(v, w, "candidates")) {
        dom::object co = object(c, w, "a candidate");
        dom::element idv, fv;
        if (co["variant"].get(idv) != simdjson::SUCCESS) bad(w.path, w.line, "candidate without 'variant'");
        std::string_view id = text(idv, w, "variant");
        const engine::PreparedVariant* known = variants.find(id);
        if (!known) {
          if (co["features"].get(fv) != simdjson::SUCCESS) bad(w.path, w.line, "candidate without 'features'");
          known = variants.add(engine::prepare_variant(std::string(id), parse_named(fv, w)));
        }
        imp.candidates.push_back(known);
      }
    } else if (key == "p_click") {
      for (dom::element p : array(v, w, "p_click")) imp.p_click.push_back(number(p, w, "p_click"));
    } else if (key == "u") {
      imp.u = number(v, w, "u");
      has_u = true;
    } else if (key == "p_play") {
      play_field(v, "p_play", imp.p_play);
    } else if (key == "p_complete") {
      play_field(v, "p_complete", imp.p_complete);
    } else if (key == "u_play") {
      play_field(v, "u_play", imp.u_play);
    } else if (key == "u_complete") {
      play_field(v, "u_complete", imp.u_complete);
    }
  }
  if (play_fields != 0 && play_fields != 4) {
    bad(w.path, w.line, "p_play, p_complete, u_play and u_complete go together: all four or none");
  }
  imp.has_plays = play_fields == 4;
  if (imp.candidates.empty()) bad(w.path, w.line, "impression without candidates");
  if (imp.p_click.size() != imp.candidates.size()) {
    bad(w.path, w.line, "p_click must have one probability per candidate");
  }
  if (!has_u) bad(w.path, w.line, "missing u");
  // The viewer is the unit of randomisation: never carried over from the
  // line before.
  if (!has_user) bad(w.path, w.line, "missing user");
}

// A "title_facts" line.
void parse_title_facts(dom::element v, TitleFactsLine& out, const Where& w) {
  out.title = {};
  out.cast.clear();
  out.genres.clear();
  bool has_title = false;
  for (auto field : object(v, w, "title_facts")) {
    const std::string_view key = field.key;
    if (key == "title") {
      out.title = text(field.value, w, "title");
      has_title = true;
    } else if (key == "cast") {
      for (auto member : object(field.value, w, "cast")) {
        out.cast.emplace_back(member.key, text(member.value, w, "a cast member's role"));
      }
    } else if (key == "genres") {
      for (dom::element g : array(field.value, w, "genres")) out.genres.push_back(text(g, w, "genre"));
    }
  }
  if (!has_title) bad(w.path, w.line, "title_facts without 'title'");
}

// A "play" line.
void parse_play(dom::element v, PlayLine& out, const Where& w) {
  out = {};
  bool has_user = false, has_title = false;
  for (auto field : object(v, w, "play")) {
    const std::string_view key = field.key;
    if (key == "user") {
      out.user = static_cast<int64_t>(number(field.value, w, "user"));
      has_user = true;
    } else if (key == "title") {
      out.title = text(field.value, w, "title");
      has_title = true;
    } else if (key == "ts_offset_ms") {
      out.ts_offset_ms = static_cast<int64_t>(number(field.value, w, "ts_offset_ms"));
    } else if (key == "seconds") {
      out.seconds = number(field.value, w, "seconds");
    } else if (key == "completed") {
      bool completed = false;
      if (field.value.get(completed) != simdjson::SUCCESS) bad(w.path, w.line, "completed must be true or false");
      out.completed = completed;
    }
  }
  if (!has_user || !has_title) bad(w.path, w.line, "a play needs 'user' and 'title'");
}

}  // namespace

ReadStats read_workload(const std::string& path, VariantCache& variants,
                        const std::function<void(const Impression&)>& fn, uint64_t limit) {
  return read_workload(path, variants, WorkloadCallbacks{.impression = fn}, limit);
}

ReadStats read_workload(const std::string& path, VariantCache& variants,
                        const WorkloadCallbacks& callbacks, uint64_t limit) {
  const bool from_stdin = path == "-";
  FILE* f = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open workload '" + path + "': " + std::strerror(errno));
  struct Closer {
    FILE* f;
    bool keep;
    ~Closer() {
      if (!keep) std::fclose(f);
    }
  } closer{f, from_stdin};

  ReadStats stats;
  const auto start = Clock::now();
  constexpr size_t kChunk = 32 << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  size_t carry = 0;
  dom::parser parser;
  Impression imp;
  TitleFactsLine facts;
  PlayLine play;
  uint64_t line = 0;
  bool eof = false;
  while (!eof && (limit == 0 || stats.impressions < limit)) {
    size_t got = std::fread(buf.data() + carry, 1, kChunk - carry, f);
    if (got == 0 && std::ferror(f)) throw std::runtime_error("cannot read workload '" + path + "'");
    eof = got < kChunk - carry;
    size_t len = carry + got;
    stats.bytes += got;
    size_t end = len;
    if (!eof) {
      while (end > 0 && buf[end - 1] != '\n') --end;
      if (end == 0) throw std::runtime_error(path + ": a line is longer than 32 MiB");
    }
    if (end > 0) {
      // Pad after the last complete line; restore the bytes afterwards.
      std::vector<char> saved(buf.begin() + end,
                              buf.begin() + std::min(len, end + simdjson::SIMDJSON_PADDING));
      std::memset(buf.data() + end, ' ', std::min(buf.size() - end, simdjson::SIMDJSON_PADDING));
      dom::document_stream docs;
      if (parser.parse_many(reinterpret_cast<const uint8_t*>(buf.data()), end, 4 << 20).get(docs) !=
          simdjson::SUCCESS) {
        bad(path, line + 1, "cannot parse");
      }
      for (auto result : docs) {
        ++line;
        dom::element doc;
        if (result.get(doc) != simdjson::SUCCESS) bad(path, line, "not valid JSON");
        const Where where{path, line};
        dom::element history;
        if (doc.type() == dom::element_type::OBJECT &&
            doc["title_facts"].get(history) == simdjson::SUCCESS) {
          if (callbacks.title_facts) {
            parse_title_facts(history, facts, where);
            callbacks.title_facts(facts);
          }
          continue;
        }
        if (doc.type() == dom::element_type::OBJECT && doc["play"].get(history) == simdjson::SUCCESS) {
          if (callbacks.play) {
            parse_play(history, play, where);
            callbacks.play(play);
          }
          continue;
        }
        parse_impression(doc, imp, variants, where);
        const auto before = Clock::now();
        callbacks.impression(imp);
        stats.callback_seconds += std::chrono::duration<double>(Clock::now() - before).count();
        if (++stats.impressions == limit) break;
      }
      if (stats.impressions != limit && docs.truncated_bytes() > 0) {
        bad(path, line + 1, "malformed JSON");
      }
      std::copy(saved.begin(), saved.end(), buf.begin() + end);
    }
    carry = len - end;
    std::memmove(buf.data(), buf.data() + end, carry);
  }
  stats.parse_seconds =
      std::chrono::duration<double>(Clock::now() - start).count() - stats.callback_seconds;
  return stats;
}

}  // namespace keyart::sim
