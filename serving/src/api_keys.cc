#include "keyart/serving/api_keys.h"

#include "keyart/serving/http_api.h"

namespace keyart::serving {

ApiKeys::ApiKeys(std::vector<std::string> keys)
    : keys_(std::make_shared<const std::vector<std::string>>(std::move(keys))) {}

bool ApiKeys::matches(std::string_view presented) const {
  std::shared_ptr<const std::vector<std::string>> keys;
  {
    std::lock_guard lock(mu_);
    keys = keys_;
  }
  bool any = false;
  for (const std::string& key : *keys) any |= token_matches(presented, key);  // no early exit
  return any;
}

void ApiKeys::replace(std::vector<std::string> keys) {
  auto fresh = std::make_shared<const std::vector<std::string>>(std::move(keys));
  std::lock_guard lock(mu_);
  keys_ = std::move(fresh);
}

size_t ApiKeys::size() const {
  std::lock_guard lock(mu_);
  return keys_->size();
}

}  // namespace keyart::serving
