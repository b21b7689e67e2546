// ISO-8601 times as keyart reads them (analysis/iso_time.h), against values
// computed independently with Python's datetime.fromisoformat.
#include <gtest/gtest.h>

#include "keyart/analysis/iso_time.h"

namespace keyart::analysis {
namespace {

TEST(IsoTime, FormsAgainstIndependentValues) {
  EXPECT_EQ(parse_iso_time_ms("2019-11-24 00:00:02.25+02:00"), 1'574'546'402'250);
  EXPECT_EQ(parse_iso_time_ms("2019-11-24T00:00:02Z"), 1'574'553'602'000);
  EXPECT_EQ(parse_iso_time_ms("2019-11-24T00:00:02"), 1'574'553'602'000);
  EXPECT_EQ(parse_iso_time_ms("2019-11-24"), 1'574'553'600'000);
  EXPECT_EQ(parse_iso_time_ms("2026-12-02T10:30:00.125-05:30"), 1'796'227'200'125);
}

TEST(IsoTime, WhatIsNotATime) {
  for (const char* text : {"", "yesterday", "2019-13-01", "2019-11-24T25:00:00Z", "2019-11-24T00:00Z",
                           "2019-11-24T00:00:00+0200", "2019-11-24T00:00:00Zjunk", "1574553600000"}) {
    EXPECT_FALSE(parse_iso_time_ms(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace keyart::analysis
