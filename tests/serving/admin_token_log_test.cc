// The admin bearer token never reaches any output of `keyart serve`: after
// admin requests with the right token, wrong tokens (longer, a prefix, other
// schemes) and the token in the query string, neither the access log (to a
// file, or to stderr with '-') nor stdout nor stderr holds it, while the
// access log does record every one of those requests. The token is given
// by --admin-token-file and by $KEYART_ADMIN_TOKEN. API keys likewise.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include "serving/http_client.h"
#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

using testing::BackgroundKeyart;
using testing::HttpClient;
using testing::ServingFixture;

const std::string kToken = "adm1n-T0KEN-e7f3c2a9b1d84f6a";

uint16_t port_from(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

// Sends the admin requests; returns how many were sent.
int send_admin_requests(uint16_t port) {
  HttpClient client(port);
  struct Case {
    std::string target, authorization;
    int status;
  };
  const std::vector<Case> cases = {
      {"/v1/admin/snapshot", "Bearer " + kToken, 200},
      {"/v1/admin/reload", "Bearer " + kToken, 200},
      {"/v1/admin/snapshot", "Bearer " + kToken + "x", 401},
      {"/v1/admin/snapshot", "Bearer " + kToken.substr(0, 12), 401},
      {"/v1/admin/snapshot", "Basic " + kToken, 401},
      {"/v1/admin/snapshot", kToken, 401},
      {"/v1/admin/snapshot?access_token=" + kToken, "", 401},
      {"/v1/admin/experiments/nope/stop", "Bearer " + kToken, 404},
  };
  for (const Case& c : cases) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!c.authorization.empty()) headers.emplace_back("Authorization", c.authorization);
    EXPECT_EQ(client.request("POST", c.target, "", headers).status, c.status) << c.target;
  }
  return static_cast<int>(cases.size());
}

TEST(AdminToken, NeverInTheLogs) {
  ServingFixture f;
  const std::string token_file = (f.dir / "token").string();
  std::ofstream(token_file) << kToken << "\n";
  const std::string access_log = (f.dir / "access.log").string();

  struct Run {
    std::vector<std::string> args;
    std::vector<std::string> env;
  };
  const std::vector<Run> runs = {
      {{"--admin-token-file", token_file, "--access-log", access_log}, {}},
      {{"--access-log", "-"}, {"KEYART_ADMIN_TOKEN=" + kToken}},
  };
  for (const Run& run : runs) {
    std::vector<std::string> args = {"serve", "--db", f.path, "--listen", "127.0.0.1:0",
                                     "--log-sample", "1", "--model-from", "self"};
    args.insert(args.end(), run.args.begin(), run.args.end());
    BackgroundKeyart serve(args, run.env);
    ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.out() << serve.err();
    const uint16_t port = port_from(serve.out());
    ASSERT_GT(port, 0);
    const int sent = send_admin_requests(port);
    serve.signal(SIGTERM);
    ASSERT_EQ(serve.wait(15000), 0) << serve.err();

    std::string log = run.env.empty() ? testing::read_text(access_log) : serve.err();
    int admin_lines = 0;
    for (size_t at = log.find("/v1/admin/"); at != std::string::npos;
         at = log.find("/v1/admin/", at + 1)) {
      ++admin_lines;
    }
    EXPECT_EQ(admin_lines, sent) << log;  // every request was logged...
    for (const std::string& output : {log, serve.out(), serve.err()}) {
      // ...and no output holds the token, nor a long piece of it.
      EXPECT_EQ(output.find(kToken.substr(0, 12)), std::string::npos) << output;
      EXPECT_EQ(output.find(kToken.substr(12)), std::string::npos) << output;
    }
  }
}

// API keys (--api-key-file) the same way: never in any output, while every
// request is logged; SIGHUP re-reads the file (rotation) and a broken file
// then keeps the keys in use; a file with a short key is refused naming its
// line, not the key; and off loopback keyart serve refuses to run without
// keys unless told --insecure.
TEST(ApiKeys, NeverInTheLogsRotatedOnSighupRequiredOffLoopback) {
  ServingFixture f;
  const std::string old_key = "0ld-API-key-5d2e8c1b9a7f", new_key = "n3w-API-key-c4b1a9e7f2d6";
  const std::string key_file = (f.dir / "keys").string();
  const std::string access_log = (f.dir / "access.log").string();
  std::ofstream(key_file) << "# keys of the web front\n" << old_key << "\n\n";
  BackgroundKeyart serve({"serve", "--db", f.path, "--listen", "127.0.0.1:0", "--model-from",
                          "self", "--api-key-file", key_file, "--access-log", access_log});
  ASSERT_TRUE(serve.wait_for_output("listening on", 10000)) << serve.out() << serve.err();
  EXPECT_NE(serve.out().find("API keys 1"), std::string::npos) << serve.out();
  HttpClient client(port_from(serve.out()));
  const std::string body = R"({"unit_id":"u1","title_id":"t1"})";
  auto decide = [&](const std::string& key) {
    return client.request("POST", "/v1/decide", body, {{"Ocp-Apim-Subscription-Key", key}}).status;
  };
  EXPECT_EQ(decide(old_key), 200);
  EXPECT_EQ(decide(new_key), 401);
  std::ofstream(key_file) << new_key << "\n";
  serve.signal(SIGHUP);
  ASSERT_TRUE(serve.wait_for_output("1 API keys read", 10000)) << serve.out();
  EXPECT_EQ(decide(old_key), 401);
  EXPECT_EQ(decide(new_key), 200);
  std::ofstream(key_file) << "short\n";
  serve.signal(SIGHUP);
  ASSERT_TRUE(serve.wait_for_output("API keys kept as they were", 10000)) << serve.out();
  EXPECT_EQ(decide(new_key), 200);
  serve.signal(SIGTERM);
  ASSERT_EQ(serve.wait(15000), 0) << serve.err();
  const std::string log = testing::read_text(access_log);
  int decide_lines = 0;
  for (size_t at = log.find("/v1/decide"); at != std::string::npos; at = log.find("/v1/decide", at + 1)) {
    ++decide_lines;
  }
  EXPECT_EQ(decide_lines, 5) << log;
  for (const std::string& output : {log, serve.out(), serve.err()}) {
    for (const std::string& key : {old_key, new_key}) {
      EXPECT_EQ(output.find(key.substr(0, 10)), std::string::npos) << output;
      EXPECT_EQ(output.find(key.substr(10)), std::string::npos) << output;
    }
  }

  auto r = testing::run_keyart({"serve", "--db", f.path, "--api-key-file", key_file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1 is shorter than 16 characters"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("short"), r.err.find("shorter")) << "the key itself is not printed: " << r.err;
  r = testing::run_keyart({"serve", "--db", f.path, "--listen", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a loopback address"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyart::serving
