#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "keyart/engine/workload.h"

namespace keyart::engine {

const PreparedVariant* VariantCache::find(std::string_view id) const {
  auto it = by_id_.find(feature_key(id));
  return it == by_id_.end() || it->second->id != id ? nullptr : it->second.get();
}

const PreparedVariant* VariantCache::add(PreparedVariant variant) {
  auto& slot = by_id_[variant.id_key];
  if (slot && slot->id != variant.id) {
    overflow_.push_back(std::make_unique<PreparedVariant>(std::move(variant)));
    return overflow_.back().get();
  }
  slot = std::make_unique<PreparedVariant>(std::move(variant));
  return slot.get();
}

namespace {

using Clock = std::chrono::steady_clock;
namespace od = simdjson::ondemand;

[[noreturn]] void bad(const std::string& path, uint64_t line, const std::string& what) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + what +
                           " (expected the format of WORKLOAD.md)");
}

template <typename T>
T get(simdjson::simdjson_result<T>&& r, const std::string& path, uint64_t line,
      const char* what) {
  T v;
  if (std::move(r).get(v) != simdjson::SUCCESS) bad(path, line, std::string("bad ") + what);
  return v;
}

double number_of(od::value v, const std::string& path, uint64_t line, const char* what) {
  double d;
  if (v.get_double().get(d) != simdjson::SUCCESS) bad(path, line, std::string(what) + " must be a number");
  return d;
}

void parse_features(od::object obj, std::vector<std::pair<std::string_view, double>>& out,
                    const std::string& path, uint64_t line, const char* what) {
  out.clear();
  for (auto field : obj) {
    std::string_view key = get(field.unescaped_key(), path, line, what);
    out.emplace_back(key, number_of(field.value(), path, line, what));
  }
}

NamedFeatures parse_named(od::object obj, const std::string& path, uint64_t line) {
  NamedFeatures f;
  for (auto field : obj) {
    std::string_view key = get(field.unescaped_key(), path, line, "variant feature");
    od::value v = field.value();
    od::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) bad(path, line, "bad variant feature");
    if (type == od::json_type::string) {
      f.set(key, get(v.get_string(), path, line, "variant feature"));
    } else if (type == od::json_type::number) {
      f.set(key, number_of(v, path, line, "variant feature"));
    } else if (type == od::json_type::boolean) {
      f.set(key, get(v.get_bool(), path, line, "variant feature") ? 1.0 : 0.0);
    } else {
      bad(path, line, "variant feature '" + std::string(key) + "' must be a number or a string");
    }
  }
  return f;
}

void parse_impression(od::document_reference doc, Impression& imp, VariantCache& variants,
                      const std::string& path, uint64_t line) {
  imp.context.clear();
  imp.user_features.clear();
  imp.title_features.clear();
  imp.candidates.clear();
  imp.p_click.clear();
  imp.title = {};
  bool has_u = false;
  od::object obj = get(doc.get_object(), path, line, "impression object");
  for (auto field : obj) {
    std::string_view key = get(field.unescaped_key(), path, line, "key");
    od::value v = field.value();
    if (key == "t") {
      imp.t = get(v.get_int64(), path, line, "t");
    } else if (key == "user") {
      imp.user = get(v.get_int64(), path, line, "user");
    } else if (key == "context") {
      for (auto cf : get(v.get_object(), path, line, "context")) {
        Impression::Value cv;
        cv.name = get(cf.unescaped_key(), path, line, "context");
        od::value x = cf.value();
        od::json_type type;
        if (x.type().get(type) != simdjson::SUCCESS) bad(path, line, "bad context value");
        if (type == od::json_type::string) {
          cv.is_text = true;
          cv.text = get(x.get_string(), path, line, "context");
        } else {
          cv.number = number_of(x, path, line, "context value");
        }
        imp.context.push_back(cv);
      }
    } else if (key == "user_features") {
      parse_features(get(v.get_object(), path, line, "user_features"), imp.user_features, path,
                     line, "user_features");
    } else if (key == "title") {
      imp.title = get(v.get_string(), path, line, "title");
    } else if (key == "title_features") {
      parse_features(get(v.get_object(), path, line, "title_features"), imp.title_features, path,
                     line, "title_features");
    } else if (key == "candidates") {
      for (auto c : get(v.get_array(), path, line, "candidates")) {
        od::object co = get(c.get_object(), path, line, "candidate");
        std::string_view id;
        const PreparedVariant* known = nullptr;
        for (auto cf : co) {
          std::string_view ck = get(cf.unescaped_key(), path, line, "candidate");
          if (ck == "variant") {
            id = get(cf.value().get_string(), path, line, "variant id");
            known = variants.find(id);
          } else if (ck == "features" && !known) {
            if (id.empty()) bad(path, line, "candidate 'variant' must come before 'features'");
            NamedFeatures f = parse_named(get(cf.value().get_object(), path, line, "features"),
                                          path, line);
            known = variants.add(prepare_variant(std::string(id), f));
          }
        }
        if (!known) bad(path, line, "candidate without variant features");
        imp.candidates.push_back(known);
      }
    } else if (key == "p_click") {
      for (auto p : get(v.get_array(), path, line, "p_click")) {
        imp.p_click.push_back(number_of(p.value(), path, line, "p_click"));
      }
    } else if (key == "u") {
      imp.u = number_of(v, path, line, "u");
      has_u = true;
    }
  }
  if (imp.candidates.empty()) bad(path, line, "impression without candidates");
  if (imp.p_click.size() != imp.candidates.size()) {
    bad(path, line, "p_click must have one probability per candidate");
  }
  if (!has_u) bad(path, line, "missing u");
}

}  // namespace

ReadStats read_workload(const std::string& path, VariantCache& variants,
                        const std::function<void(const Impression&)>& fn, uint64_t limit) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open workload '" + path + "': " + std::strerror(errno));
  struct Closer {
    FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};

  ReadStats stats;
  const auto start = Clock::now();
  constexpr size_t kChunk = 32 << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  size_t carry = 0;
  od::parser parser;
  Impression imp;
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
      od::document_stream docs;
      if (parser.iterate_many(buf.data(), end, 4 << 20).get(docs) != simdjson::SUCCESS) {
        bad(path, line + 1, "cannot parse");
      }
      for (auto it = docs.begin(); it != docs.end(); ++it) {
        ++line;
        auto doc = *it;
        od::document_reference ref;
        if (std::move(doc).get(ref) != simdjson::SUCCESS) bad(path, line, "not JSON");
        parse_impression(ref, imp, variants, path, line);
        const auto before = Clock::now();
        fn(imp);
        stats.callback_seconds += std::chrono::duration<double>(Clock::now() - before).count();
        if (++stats.impressions == limit) break;
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

}  // namespace keyart::engine
