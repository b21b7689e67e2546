// Features in the nested JSON of Personalizer requests and Vowpal Wabbit's
// JSON (and so of decision-service DSJSON logs): a list of objects whose
// values are numbers, strings, booleans, nested objects (namespaces) and
// arrays. One rule turns them into named features, for the Personalizer API
// (serving) and the DSJSON import (analysis) alike:
//   {"a": 1.5}                 a = 1.5
//   {"a": "x"}                 a = "x" (a category)
//   {"a": true}                a = 1 (false: 0)
//   {"ns": {"b": 2}}           ns_b = 2 (namespaces joined by '_')
//   {"v": [0.1, 0.2]}          v_0 = 0.1, v_1 = 0.2 (objects in arrays too)
//   {"tags": ["x", "y"]}       tags_x = 1, tags_y = 1
// Nulls are left out, and so are names starting with '_' (Vowpal Wabbit's
// convention for what is not a feature: _tag, _text, _multi, ...). A name
// given twice keeps its last value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "keyart/engine/named_features.h"

namespace keyart::ledger {

// Adds the features of `list` (an array of objects, or one object; null:
// none) to out. False with a reason when it is neither, or an item is not an
// object.
bool add_nested_features(const nlohmann::json& list, engine::NamedFeatures& out,
                         std::string& reason);

}  // namespace keyart::ledger
