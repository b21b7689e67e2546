// Text, JSON and SVG/HTML renderings of a simulation result.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "keyart/sim/simulator.h"

namespace keyart::sim {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

nlohmann::json window_json(const Window& w) {
  return {{"impressions", w.n},
          {"ctr", w.ctr()},
          {"expected_ctr", w.n ? w.expected / w.n : 0.0},
          {"random_ctr", w.n ? w.random / w.n : 0.0},
          {"oracle_ctr", w.n ? w.oracle / w.n : 0.0},
          {"lift", w.lift()},
          {"expected_lift", w.expected_lift()}};
}

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string format_sim_text(const SimResult& r) {
  std::ostringstream out;
  const double rate = r.seconds > 0 ? r.impressions / r.seconds : 0;
  out << "workload " << r.workload << ": " << r.impressions << " impressions, " << r.variants
      << " variants\n";
  out << "end to end " << fmt("%.2f", r.seconds) << " s (" << fmt("%.0f", rate)
      << " impressions/s for all policies together), parsing "
      << fmt("%.2f", r.parse_seconds) << " s = "
      << fmt("%.1f", r.seconds > 0 ? 100 * r.parse_seconds / r.seconds : 0) << "% of the time\n";
  if (!r.policies.empty()) {
    const Window& w = r.policies[0].all;
    out << "random CTR " << fmt("%.5f", w.n ? w.random / w.n : 0) << ", oracle CTR "
        << fmt("%.5f", w.n ? w.oracle / w.n : 0) << "\n\n";
  }
  for (const PolicyResult& p : r.policies) {
    out << p.spec << "\n";
    auto line = [&](const char* name, const Window& w) {
      out << "  " << name << " n=" << w.n << "  CTR " << fmt("%.5f", w.ctr()) << "  expected "
          << fmt("%.5f", w.n ? w.expected / w.n : 0) << "  random "
          << fmt("%.5f", w.n ? w.random / w.n : 0) << "  oracle "
          << fmt("%.5f", w.n ? w.oracle / w.n : 0) << "  lift " << fmt("%.3f", w.lift())
          << " (expected " << fmt("%.3f", w.expected_lift()) << ")\n";
    };
    line("all:       ", p.all);
    line("last:      ", p.last);
    line("cold start:", p.cold);
    out << "  " << fmt("%.0f", p.decisions_per_second) << " decisions/s (policy time "
        << fmt("%.2f", p.policy_seconds) << " s), decide p50 " << fmt("%.2f", p.p50_us)
        << " us, p99 " << fmt("%.2f", p.p99_us) << " us, model version " << p.model_version
        << "\n\n";
  }
  return out.str();
}

std::string format_sim_json(const SimResult& r) {
  nlohmann::json j;
  j["workload"] = r.workload;
  j["impressions"] = r.impressions;
  j["variants"] = r.variants;
  j["seconds"] = r.seconds;
  j["parse_seconds"] = r.parse_seconds;
  j["parse_share"] = r.seconds > 0 ? r.parse_seconds / r.seconds : 0;
  j["impressions_per_second"] = r.seconds > 0 ? r.impressions / r.seconds : 0;
  j["policies"] = nlohmann::json::array();
  for (const PolicyResult& p : r.policies) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& [n, lift] : p.curve) curve.push_back({n, lift});
    j["policies"].push_back({{"spec", p.spec},
                             {"all", window_json(p.all)},
                             {"last", window_json(p.last)},
                             {"cold_start", window_json(p.cold)},
                             {"policy_seconds", p.policy_seconds},
                             {"decisions_per_second", p.decisions_per_second},
                             {"decide_p50_us", p.p50_us},
                             {"decide_p99_us", p.p99_us},
                             {"model_version", p.model_version},
                             {"curve", curve}});
  }
  return j.dump(2) + "\n";
}

std::string format_sim_plot(const SimResult& r, bool html) {
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                  "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  const double W = 800, H = 420, L = 60, R = 20, T = 30, B = 50;
  double ymin = 0, ymax = 1;
  for (const auto& p : r.policies) {
    for (const auto& [n, y] : p.curve) {
      ymin = std::min(ymin, y);
      ymax = std::max(ymax, y);
    }
  }
  const double xmax = std::max<double>(1, r.impressions);
  auto X = [&](double n) { return L + (W - L - R) * n / xmax; };
  auto Y = [&](double y) { return T + (H - T - B) * (ymax - y) / (ymax - ymin); };
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\""
    << H + 20 * r.policies.size() << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<text x=\"" << L << "\" y=\"18\">Cumulative oracle lift fraction, "
    << escape_xml(r.workload) << "</text>\n";
  for (int i = 0; i <= 5; ++i) {
    double y = ymin + (ymax - ymin) * i / 5;
    s << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << Y(y) << "\" y2=\"" << Y(y)
      << "\" stroke=\"#ddd\"/><text x=\"" << L - 8 << "\" y=\"" << Y(y) + 4
      << "\" text-anchor=\"end\">" << fmt("%.2f", y) << "</text>\n";
  }
  s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 12
    << "\" text-anchor=\"middle\">impressions (" << r.impressions << ")</text>\n";
  for (size_t i = 0; i < r.policies.size(); ++i) {
    const auto& p = r.policies[i];
    const char* color = kColors[i % 8];
    s << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
    for (const auto& [n, y] : p.curve) s << fmt("%.1f", X(n)) << "," << fmt("%.1f", Y(y)) << " ";
    s << "\"/>\n<text x=\"" << L << "\" y=\"" << H + 20 * i + 4 << "\" fill=\"" << color
      << "\">" << escape_xml(p.spec) << "  (last: " << fmt("%.3f", p.last.lift()) << ")</text>\n";
  }
  s << "</svg>\n";
  if (!html) return s.str();
  return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>keyart sim</title></head>"
         "<body>\n" +
         s.str() + "</body></html>\n";
}

}  // namespace keyart::sim
