// Renderings of an ExperimentReport: plain text for a terminal, JSON for
// programs, CSV (one tidy table: a row per arm per section, per day of the
// trend, per variant) for spreadsheets, and one self-contained HTML page
// with inline SVG charts (no network needed to open it). Every rendering
// prints undefined numbers as "n/a" (text, HTML), null (JSON) or an empty
// field (CSV), never as NaN; every user-supplied string (experiment, arm,
// title and variant names) is escaped for the format it lands in.
#pragma once

#include <iosfwd>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "keyart/analysis/experiment_report.h"

namespace keyart::analysis {

enum class Format { kText, kJson, kCsv, kHtml };
// "text", "json", "csv", "html"; nullopt when unknown.
std::optional<Format> parse_format(std::string_view name);

void render_text(const ExperimentReport& report, std::ostream& out);
nlohmann::json report_to_json(const ExperimentReport& report);
void render_csv(const ExperimentReport& report, std::ostream& out);
// Variant images stored in the ledger are embedded as data: URIs (files over
// max_image_bytes are left out, with a note, to keep the page small).
void render_html(const ExperimentReport& report, std::ostream& out,
                 size_t max_image_bytes = 2u << 20);

void render(const ExperimentReport& report, Format format, std::ostream& out);

}  // namespace keyart::analysis
