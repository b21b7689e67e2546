// The names the engine gives a meaning of their own, defined once for the
// request, validation, the decision log, log import and report segments.
//
// Special context fields: "hour" (a whole number 0-23, the viewer's local
// hour; the engine turns it into a daypart), "device" and "country"
// (strings). They are ordinary context features to the model, and the
// ledger also keeps them in columns of their own so reports can segment by
// them.
//
// Feature name prefixes: a user feature "actor_<a>" is the viewer's affinity
// to actor <a>; a title's features are "genre_<g>" and "cast_<a>" (1 each).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keyart/engine/named_features.h"

namespace keyart::engine {

inline constexpr std::string_view kHourField = "hour";
inline constexpr std::string_view kDeviceField = "device";
inline constexpr std::string_view kCountryField = "country";

inline constexpr std::string_view kActorPrefix = "actor_";
inline constexpr std::string_view kGenrePrefix = "genre_";
inline constexpr std::string_view kCastPrefix = "cast_";
// A user feature that is one of the viewer's tastes (an actor or a genre).
inline bool is_taste_feature(std::string_view name) {
  return name.starts_with(kActorPrefix) || name.starts_with(kGenrePrefix);
}

// True when value is a valid hour: a whole number from 0 to 23.
bool valid_hour(double value);

// The first rule the special fields of a request's context break, as
// {field, message} (e.g. {"context.hour", "context.hour must be a whole
// number from 0 to 23"}); nullopt when they keep every rule.
struct ContextFieldError {
  std::string field;
  std::string message;
};
std::optional<ContextFieldError> check_context_fields(const NamedFeatures& context);

// The special fields of a context, each nullopt when absent or of the wrong
// type.
struct ContextFields {
  std::optional<std::string> device, country;
  std::optional<int64_t> hour;
};
ContextFields context_fields(const NamedFeatures& context);

}  // namespace keyart::engine
