#include "keyart/engine/context_fields.h"

#include <cmath>

namespace keyart::engine {

bool valid_hour(double value) { return value >= 0 && value <= 23 && value == std::floor(value); }

std::optional<ContextFieldError> check_context_fields(const NamedFeatures& context) {
  if (const NamedValue* hour = context.find(kHourField)) {
    if (hour->is_text || !valid_hour(hour->number)) {
      return ContextFieldError{"context.hour", "context.hour must be a whole number from 0 to 23"};
    }
  }
  for (std::string_view name : {kDeviceField, kCountryField}) {
    if (const NamedValue* v = context.find(name); v && !v->is_text) {
      const std::string field = "context." + std::string(name);
      return ContextFieldError{field, field + " must be a string"};
    }
  }
  return std::nullopt;
}

ContextFields context_fields(const NamedFeatures& context) {
  ContextFields out;
  if (const NamedValue* v = context.find(kDeviceField); v && v->is_text) out.device = v->text;
  if (const NamedValue* v = context.find(kCountryField); v && v->is_text) out.country = v->text;
  if (const NamedValue* v = context.find(kHourField); v && !v->is_text) {
    out.hour = static_cast<int64_t>(v->number);
  }
  return out;
}

}  // namespace keyart::engine
