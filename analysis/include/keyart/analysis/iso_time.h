// ISO-8601 times as keyart reads them wherever a person or a file gives one
// (imported logs, report windows, prune dates): a date ("2019-11-24"), or a
// date and time with 'T' or a space, optional fractional seconds and a 'Z'
// or +hh:mm / -hh:mm offset ("2019-11-24 00:00:02.25+02:00",
// "2019-11-24T00:00:02Z"); no offset means UTC. Unix milliseconds, or
// nothing when the text is not such a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace keyart::analysis {

std::optional<int64_t> parse_iso_time_ms(std::string_view text);

}  // namespace keyart::analysis
