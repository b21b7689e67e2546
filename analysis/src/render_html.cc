// The HTML rendering: one self-contained page (inline CSS, inline SVG
// charts, images as data: URIs, no script) whose Content-Security-Policy
// forbids any network fetch, so it opens the same offline as online.
#include <openssl/evp.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "format_util.h"
#include "render_common.h"
#include "svg.h"
#include "keyart/analysis/report_format.h"
#include "keyart/ledger/file_store.h"

namespace keyart::analysis {

namespace {

constexpr const char* kStyle = R"css(
body{font:14px/1.45 "DejaVu Sans",Helvetica,Arial,sans-serif;color:#1f2933;margin:24px auto;max-width:1180px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d9dee3;padding-bottom:4px}
.meta{color:#52606d;margin:2px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:4px 6px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}
th{background:#f5f7fa;font-weight:600}td.l,th.l{text-align:left}
tr.control td{background:#fafbfc}
tr.winner td{background:#e7f6ec;font-weight:600}
.broken{color:#b91c1c;font-weight:600}
li.winner{color:#166534}
.warn{background:#fff4e5;border-left:4px solid #f59e0b;padding:6px 10px;margin:6px 0}
.alarm{background:#fde8e8;border-left:4px solid #dc2626;padding:8px 12px;margin:6px 0;font-weight:600}
.note{color:#52606d;font-size:13px}
svg.chart{width:100%;max-width:720px;height:auto;display:block;margin:6px 0 14px}
svg .chart-title{font-size:13px;font-weight:600;fill:#1f2933}
svg .tick{font-size:11px;fill:#52606d}svg .label{font-size:12px;fill:#1f2933}
svg .grid{stroke:#e4e7eb;stroke-width:1}svg .zero{stroke:#1f2933;stroke-width:1.2;stroke-dasharray:4 3}
.variant img{max-width:120px;max-height:90px;display:block;border:1px solid #d9dee3}
.bar{display:inline-block;height:10px;background:#4c78a8;vertical-align:middle}
)css";

std::string e(std::string_view text) { return html_escape(text); }

std::string mime_for(const std::string& format) {
  if (format == "jpeg") return "image/jpeg";
  if (format == "png") return "image/png";
  if (format == "webp") return "image/webp";
  if (format == "bmp") return "image/bmp";
  return "";
}

std::string base64(const std::vector<uint8_t>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// The variant's image as an <img>, or a short note saying why there is none.
std::string thumbnail(const VariantResult& v, size_t max_bytes) {
  if (v.storage_path.empty()) {
    return "<span class=\"note\">" + std::string(v.kind == "external" ? "external action, no image"
                                                                      : "no stored image") +
           "</span>";
  }
  const std::string mime = mime_for(v.format);
  std::error_code ec;
  const auto size = std::filesystem::file_size(v.storage_path, ec);
  if (ec || mime.empty()) return "<span class=\"note\">image file missing</span>";
  if (size > max_bytes) {
    return "<span class=\"note\">image of " + format_count(static_cast<double>(size)) +
           " bytes not embedded</span>";
  }
  try {
    return "<img alt=\"" + e(v.variant_id) + "\" src=\"data:" + mime + ";base64," +
           base64(ledger::read_file_bytes(v.storage_path, max_bytes)) + "\">";
  } catch (const std::exception&) {
    return "<span class=\"note\">image file unreadable</span>";
  }
}

// share: how rates are written; flagged: per arm, a guardrail's flag (the
// lift cells in red); highlight: mark the arms the verdict ships (the
// primary table only).
void arm_table(const ExperimentReport& r, const ArmTable& table, std::ostream& out,
               const std::string& first_column, bool share,
               const std::vector<bool>* flagged = nullptr, bool highlight = false) {
  const bool several = table.arms.size() > 2;
  out << "<div class=\"scroll\"><table><tr>";
  if (!first_column.empty()) out << "<th class=\"l\">" << e(first_column) << "</th>";
  out << "<th class=\"l\">arm</th><th>exposures</th><th>units</th><th>rewards</th><th>rate</th><th>"
      << confidence_label(r) << " CI</th><th>lift</th><th>lift CI</th><th>p</th>";
  if (several) out << "<th>p (Holm)</th>";
  out << "<th>P(beat ctrl)</th><th>P(best)</th><th>expected loss</th></tr>\n";
  for (size_t i = 0; i < table.arms.size(); ++i) {
    const ArmResult& a = table.arms[i];
    const Verdict* verdict = highlight ? verdict_of(r, a.arm_id) : nullptr;
    const bool wins = verdict && verdict->decision == "ship";
    const bool red = flagged && (*flagged)[i];
    out << "<tr" << (a.is_control ? " class=\"control\"" : wins ? " class=\"winner\"" : "")
        << ">";
    if (!first_column.empty()) out << "<td class=\"l\">" << e(table.segment) << "</td>";
    out << "<td class=\"l\">" << e(a.arm_id) << (a.is_control ? " (control)" : "") << "</td><td>"
        << format_count(static_cast<double>(a.exposures)) << "</td><td>"
        << format_count(static_cast<double>(a.units)) << "</td><td>" << format_count(a.rewards)
        << "</td><td>" << format_value(share, a.rate.mean) << "</td><td>"
        << format_value_interval(share, a.rate_interval) << "</td>";
    if (a.is_control) {
      out << "<td>-</td><td>-</td><td>-</td>" << (several ? "<td>-</td>" : "") << "<td>-</td>";
    } else {
      const char* cell = red ? "<td class=\"broken\">" : "<td>";
      out << cell << format_percent(a.lift.value, 1, true) << "</td>" << cell
          << format_lift_interval(a.lift.interval) << (red ? " flagged" : "") << "</td><td>"
          << format_p(a.test.p_value) << "</td>";
      if (several) out << "<td>" << format_p(a.p_holm) << "</td>";
      out << "<td>" << format_fixed(a.chance_to_beat_control, 3) << "</td>";
    }
    out << "<td>" << format_fixed(a.chance_to_be_best, 3) << "</td><td>"
        << format_value(share, a.expected_loss) << "</td></tr>\n";
  }
  out << "</table></div>\n";
}

void trend_charts(const ExperimentReport& r, std::ostream& out) {
  std::vector<std::string> days;
  for (const auto& d : r.trend) days.push_back(iso_day(d.day_start_ms));
  std::vector<Series> daily, lift;
  const bool share = r.binary_metric;  // daily rates are per exposure
  for (size_t i = 0; i < r.overall.arms.size(); ++i) {
    Series s{r.overall.arms[i].arm_id, series_colour(i), {}, {}, {}};
    Series l = s;
    for (const auto& d : r.trend) {
      s.y.push_back(d.arms[i].daily_rate);
      l.y.push_back(d.arms[i].cumulative_lift.value);
      l.lo.push_back(d.arms[i].cumulative_lift.interval.lo);
      l.hi.push_back(d.arms[i].cumulative_lift.interval.hi);
    }
    daily.push_back(std::move(s));
    if (!r.overall.arms[i].is_control) lift.push_back(std::move(l));
  }
  out << svg_line_chart(days, daily,
                        {.title = "Daily " + r.metric + " rate per exposure, by arm",
                         .percent = share});
  if (!lift.empty()) {
    out << svg_line_chart(days, lift,
                          {.title = "Cumulative lift against the control (" + confidence_label(r) +
                                    " band)",
                           .percent = true,
                           .signed_ = true,
                           .zero_line = true,
                           .clip_bands = true});
  }
}

void variants_table(const ExperimentReport& r, std::ostream& out, size_t max_image_bytes) {
  double top = 0;
  for (const auto& v : r.variants) {
    if (std::isfinite(v.rate_interval.hi)) top = std::max(top, v.rate_interval.hi);
    if (std::isfinite(v.rate)) top = std::max(top, v.rate);
  }
  out << "<table class=\"variant\"><tr><th class=\"l\">artwork</th><th class=\"l\">variant</th>"
         "<th class=\"l\">title</th><th>exposures</th><th>rewards</th><th>rate</th><th>"
      << confidence_label(r) << " CI</th><th class=\"l\"></th></tr>\n";
  for (const auto& v : r.variants) {
    const double width = top > 0 && std::isfinite(v.rate) && v.rate > 0 ? 160 * v.rate / top : 0;
    out << "<tr><td class=\"l\">" << thumbnail(v, max_image_bytes) << "</td><td class=\"l\">"
        << e(v.variant_id) << "</td><td class=\"l\">" << e(v.title_id) << "</td><td>"
        << format_count(static_cast<double>(v.exposures)) << "</td><td>" << format_count(v.rewards)
        << "</td><td>" << format_value(r.binary_metric, v.rate) << "</td><td>"
        << format_value_interval(r.binary_metric, v.rate_interval)
        << "</td><td class=\"l\"><span class=\"bar\" style=\"width:" << format_fixed(width, 1)
        << "px\"></span></td></tr>\n";
  }
  out << "</table>\n";
}

}  // namespace

void render_html(const ExperimentReport& r, std::ostream& out, size_t max_image_bytes) {
  const ledger::Experiment& x = r.experiment;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "img-src data:; style-src 'unsafe-inline'\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>keyart report: "
      << e(x.name) << "</title><style>" << kStyle << "</style></head><body>\n";
  out << "<h1>" << e(x.name) << "</h1>\n<p class=\"meta\">experiment <b>" << e(x.experiment_id)
      << "</b> &middot; " << e(x.status) << " &middot; source " << e(x.source) << " &middot; metric <b>"
      << e(r.metric) << "</b> &middot; data " << e(data_range(r)) << "</p>\n";
  if (!x.description.empty()) out << "<p class=\"meta\">" << e(x.description) << "</p>\n";
  out << "<p class=\"meta\">Analysis <b>" << analysis_name(r.analysis) << "</b>: "
      << e(analysis_description(r.analysis, r.binary_metric, r.variance)) << ".</p>\n";
  out << "<p class=\"meta\">" << format_count(static_cast<double>(r.exposures)) << " exposures, "
      << format_count(r.rewards) << " " << e(r.metric) << " rewards.</p>\n";
  for (const auto& w : r.warnings) {
    const bool alarm =
        w.rfind("SAMPLE RATIO MISMATCH", 0) == 0 || w.rfind("GUARDRAIL FLAGGED", 0) == 0;
    out << "<div class=\"" << (alarm ? "alarm" : "warn") << "\">" << e(w) << "</div>\n";
  }

  if (!r.overall.arms.empty()) {
    out << "<h2>Arms</h2>\n";
    arm_table(r, r.overall, out, "", rate_is_share(r), nullptr, true);
    out << "<p class=\"note\">Lift and p-value against the control (delta-method interval, "
           "two-sided z-test); P(beat control), P(best) and expected loss from Beta(1,1) priors "
           "(normal posteriors for non-0/1 rewards).</p>\n";
    std::vector<ForestRow> rows;
    for (size_t i = 0; i < r.overall.arms.size(); ++i) {
      const ArmResult& a = r.overall.arms[i];
      if (a.is_control) continue;
      rows.push_back({a.arm_id, a.lift.value, a.lift.interval.lo, a.lift.interval.hi,
                      series_colour(i)});
    }
    if (!rows.empty()) {
      out << svg_forest_plot(rows, "Relative lift against the control (" + confidence_label(r) +
                                       " interval)");
    }
    if (r.cuped) {
      const CupedReport& c = *r.cuped;
      const bool share = rate_is_share(r);
      out << "<h2>CUPED</h2>\n<p class=\"note\">Covariate: the viewer's " << e(r.metric) << " from "
          << iso_time(c.window_start_ms) << " to " << iso_time(c.window_end_ms) << "; theta "
          << format_fixed(c.theta, 4) << "; "
          << format_count(static_cast<double>(c.viewers_with_history))
          << " viewers with history.</p>\n<div class=\"scroll\"><table><tr><th class=\"l\">arm</th>"
             "<th>viewers</th><th>rate</th><th>adjusted</th><th>"
          << confidence_label(r)
          << " CI</th><th>lift</th><th>lift CI</th><th>p</th><th>variance reduction</th></tr>\n";
      for (const CupedArmResult& a : c.arms) {
        out << "<tr" << (a.is_control ? " class=\"control\"" : "") << "><td class=\"l\">"
            << e(a.arm_id) << (a.is_control ? " (control)" : "") << "</td><td>"
            << format_count(static_cast<double>(a.viewers)) << "</td><td>"
            << format_value(share, a.plain.mean) << "</td><td>" << format_value(share, a.adjusted.mean)
            << "</td><td>" << format_value_interval(share, a.adjusted_interval) << "</td><td>"
            << (a.is_control ? "-" : format_percent(a.lift.value, 1, true)) << "</td><td>"
            << (a.is_control ? "-" : format_lift_interval(a.lift.interval)) << "</td><td>"
            << (a.is_control ? "-" : format_p(a.test.p_value)) << "</td><td>"
            << format_percent(a.variance_reduction, 1) << "</td></tr>\n";
      }
      out << "</table></div>\n";
    }
    for (const GuardrailResult& g : r.guardrails) {
      out << "<h2>Guardrail: " << e(guardrail_caption(g)) << "</h2>\n";
      arm_table(r, g.table, out, "", rate_is_share(g.analysis, g.binary_metric), &g.flagged);
    }
    if (!r.verdicts.empty()) {
      out << "<h2>Verdict</h2>\n<ul>";
      for (const Verdict& v : r.verdicts) {
        const char* css = v.decision == "ship"               ? "winner"
                          : v.decision == "guardrail broken" ? "broken"
                                                             : "";
        out << "<li class=\"" << css << "\"><b>" << e(v.arm_id) << "</b>: " << e(v.decision)
            << " (" << e(v.reason) << ")</li>";
      }
      out << "</ul>\n<p class=\"note\">" << e(verdict_rule(r.confidence, r.guardrail_threshold,
                                                              r.loss_threshold))
          << "</p>\n";
    }
    out << "<h2>Checks</h2>\n<p><b>Sample ratio</b>: " << e(srm_summary(r)) << "</p>\n";
    if (!r.sequential.empty()) {
      out << "<p><b>Sequential test</b> (mSPRT, tau = " << format_fixed(r.sequential_tau, 4)
          << "; valid however often you look):</p><ul>";
      for (const auto& s : r.sequential) out << "<li>" << e(sequential_summary(r, s)) << "</li>";
      out << "</ul>\n";
    }
  }
  if (!r.trend.empty()) {
    out << "<h2>Trend</h2>\n";
    trend_charts(r, out);
  }
  if (r.by.any()) {
    out << "<h2>Segments by " << segmentation_name(r.by) << "</h2>\n<p class=\"warn\">"
        << e(segment_caveat(r)) << "</p>\n";
    for (const ArmTable& t : r.segments) arm_table(r, t, out, segmentation_name(r.by), rate_is_share(r));
  }
  if (!r.variants.empty()) {
    out << "<h2>Artwork variants</h2>\n";
    variants_table(r, out, max_image_bytes);
  }
  out << "<p class=\"note\">Generated by keyart at " << iso_time(r.generated_at_ms)
      << ". Undefined figures are shown as n/a.</p>\n</body></html>\n";
}

}  // namespace keyart::analysis
