#include "keyart/engine/request.h"
#include "keyart/engine/context_fields.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace keyart::engine {

namespace {
void check_finite(std::string_view name, double value) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument("feature '" + std::string(name) + "' is not a finite number");
  }
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
constexpr std::string_view kDayparts[] = {"night", "morning", "afternoon", "evening"};
}  // namespace

int daypart(int hour) {
  hour = ((hour % 24) + 24) % 24;
  if (hour < 6 || hour >= 22) return 0;
  if (hour < 12) return 1;
  if (hour < 18) return 2;
  return 3;
}

Request::Request() {
  user_.reserve(64);
  context_.reserve(16);
  title_.reserve(16);
  affinities_.reserve(32);
  common_.reserve(128);
  categories_.reserve(16);
}

void Request::reset(std::string_view unit, std::string_view title) {
  unit_key_ = feature_key("unit:", unit);
  title_key_ = feature_key("title:", title);
  user_.clear();
  context_.clear();
  title_.clear();
  affinities_.clear();
  categories_.clear();
}

void Request::add_user(std::string_view name, double value) {
  check_finite(name, value);
  if (starts_with(name, kActorPrefix)) {
    affinities_.push_back({feature_key(name), value});
  } else if (value != 0) {
    user_.push_back({feature_key("user:", name), value});
  }
}

void Request::add_context(std::string_view name, double value) {
  check_finite(name, value);
  if (name == kHourField) {
    add_context("daypart", kDayparts[daypart(static_cast<int>(std::floor(value)))]);
    return;
  }
  if (value != 0) context_.push_back({feature_key("ctx:", name), value});
}

void Request::add_context(std::string_view name, std::string_view value) {
  FeatureKey name_key = feature_key("ctx:", name);
  FeatureKey value_key = feature_key(value);
  context_.push_back({combine_keys(name_key, value_key), 1.0});
  categories_.push_back({name_key, value_key});
}

void Request::add_title(std::string_view name, double value) {
  check_finite(name, value);
  if (starts_with(name, kCastPrefix) || value == 0) return;
  title_.push_back({feature_key("title:", name), value});
}

void Request::add_user(const NamedFeatures& features) {
  for (const auto& f : features.values()) {
    if (f.is_text) {
      throw std::invalid_argument("user feature '" + f.name + "' must be a number");
    }
    add_user(f.name, f.number);
  }
}

void Request::add_context(const NamedFeatures& features) {
  for (const auto& f : features.values()) {
    if (f.is_text) {
      add_context(f.name, std::string_view(f.text));
    } else {
      add_context(f.name, f.number);
    }
  }
}

void Request::add_title(const NamedFeatures& features) {
  for (const auto& f : features.values()) {
    if (f.is_text) {
      throw std::invalid_argument("title feature '" + f.name + "' must be a number");
    }
    add_title(f.name, f.number);
  }
}

double Request::affinity(FeatureKey key) const {
  for (const Feature& f : affinities_) {
    if (f.key == key) return f.value;
  }
  return 0;
}

}  // namespace keyart::engine
