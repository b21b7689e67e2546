// Requests the serving fuzzer (fuzz/fuzz_serving_request.cc) found to be
// mishandled, each now a clear 4xx: their inputs are also in
// fuzz/corpus/serving_request/regress_* and replayed by FuzzReplay.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "keyart/serving/http_server.h"
#include "serving/api_harness.h"

namespace keyart::serving {
namespace {

using json = nlohmann::json;

// A number too large for a double (1e999) made the JSON parser throw
// out_of_range, which was answered 500 "internal error"; it is malformed
// JSON, a 400.
TEST(FuzzRegressions, NumberOverflowIsMalformedJson) {
  testing::ApiHarness api;
  for (const char* body : {R"({"event_id":"0123456789abcdef0123456789abcdef","kind":"click","value":1e999})",
                           R"({"unit_id":"u1","title_id":"t1","context":{"x":-1e400}})"}) {
    for (const char* path : {"/v1/reward", "/v1/decide"}) {
      HttpResponse r = api.post(path, body);
      EXPECT_EQ(r.status, 400) << path << " " << r.body;
      EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("malformed JSON"),
                std::string::npos)
          << r.body;
    }
  }
}

// A method or target with bytes that are not UTF-8 is echoed in the 404/405
// message; serialising that threw type_error 316 outside the handler's
// try block (std::terminate in the fuzzer, the server's thread in serve).
// Now the bytes are replaced by U+FFFD and the answer is a valid 404/405.
TEST(FuzzRegressions, NonUtf8TargetAndMethodAreAnsweredAsJson) {
  testing::ApiHarness api;
  auto call = [&](std::string method, std::string target) {
    HttpRequest req{.method = std::move(method), .target = std::move(target)};
    std::promise<HttpResponse> answer;
    api.handler(std::move(req), [&answer](HttpResponse r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  };
  HttpResponse r = call("GET", "/v1/\x91\xff");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(json::accept(r.body)) << r.body;
  EXPECT_NE(r.body.find("\xef\xbf\xbd"), std::string::npos) << "U+FFFD in place of the bad bytes";
  r = call("POS\x91", "/v1/decide");
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(json::accept(r.body)) << r.body;
  // The HTTP server's own errors use the same serialisation.
  EXPECT_TRUE(json::accept(json_error(400, "bad \xc3\x28 bytes").body));
}

}  // namespace
}  // namespace keyart::serving
