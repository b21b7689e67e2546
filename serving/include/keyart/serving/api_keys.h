// The API keys that open the decision endpoints (decide, page, reward) when
// keyart serve is given a key file: a request presents one in the
// Ocp-Apim-Subscription-Key header (what Personalizer's clients send) or as
// "Authorization: Bearer <key>". A presented key is compared with every
// configured key in constant time each (the time does not depend on which
// key or how much of it matched); keys are never logged. replace() swaps
// the whole set at once (key rotation on SIGHUP) while requests are checked
// on other threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace keyart::serving {

class ApiKeys {
 public:
  explicit ApiKeys(std::vector<std::string> keys);
  bool matches(std::string_view presented) const;
  void replace(std::vector<std::string> keys);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<std::string>> keys_;
};

}  // namespace keyart::serving
