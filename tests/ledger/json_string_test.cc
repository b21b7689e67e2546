// ledger/json_string.h: the escapes of RFC 8259, written out by hand, and a
// parser other than ours reading every byte value back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "keyart/ledger/json_string.h"

namespace keyart::ledger {
namespace {

std::string written(std::string_view text) {
  std::string out = "prefix:";
  append_json_string(out, text);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(written(""), R"(prefix:"")");
  EXPECT_EQ(written("plain_id-42"), R"(prefix:"plain_id-42")");
  EXPECT_EQ(written("a\"b\\c"), R"(prefix:"a\"b\\c")");
  EXPECT_EQ(written("\n\r\t"), R"(prefix:"\n\r\t")");
  EXPECT_EQ(written(std::string("x\0y", 3)), R"(prefix:"x\u0000y")");
  EXPECT_EQ(written("\x1f\x01"), R"(prefix:"\u001f\u0001")");
  EXPECT_EQ(written("\x7f"), "prefix:\"\x7f\"");           // DEL needs no escape
  EXPECT_EQ(written("caf\xc3\xa9"), "prefix:\"caf\xc3\xa9\"");  // UTF-8 passes unchanged
  EXPECT_EQ(written("\"start"), R"(prefix:"\"start")");
  EXPECT_EQ(written("end\\"), R"(prefix:"end\\")");
}

TEST(JsonString, EveryByteReadsBackThroughAnotherParser) {
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += static_cast<char>(c);
  all = "run of text " + all + " and more text " + all;
  std::string out;
  append_json_string(out, all);
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), all);
}

}  // namespace
}  // namespace keyart::ledger
