#include <ostream>

#include "keyart/analysis/report_format.h"

namespace keyart::analysis {

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  if (name == "html") return Format::kHtml;
  return std::nullopt;
}

void render(const ExperimentReport& report, Format format, std::ostream& out) {
  switch (format) {
    case Format::kText:
      render_text(report, out);
      break;
    case Format::kJson:
      out << report_to_json(report).dump(2) << "\n";
      break;
    case Format::kCsv:
      render_csv(report, out);
      break;
    case Format::kHtml:
      render_html(report, out);
      break;
  }
}

}  // namespace keyart::analysis
