// keyart's own synthetic workload: the model of shared/bench/WORKLOAD.md
// (gen_workload.py) re-implemented with keyart's generator, so users without
// the shared folder can run `keyart sim`. Same structure, distributions and
// JSON format; different random streams, so files are not byte-identical.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include "keyart/engine/random.h"
#include "keyart/engine/request.h"
#include "keyart/sim/workload.h"

namespace keyart::sim {

namespace {

const char* kDevices[] = {"tv", "mobile", "web", "tablet"};
const double kDeviceP[] = {0.35, 0.35, 0.2, 0.1};
const char* kStyles[] = {"closeup", "group", "landscape", "text_heavy", "dark", "bright"};
const char* kColors[] = {"red", "orange", "yellow", "green", "blue", "purple", "black", "white"};
const char* kCountries[] = {"US", "GB", "DE", "FR", "BR", "IN", "JP", "KR", "MX", "ES"};
const double kCountryP[] = {0.3, 0.08, 0.08, 0.07, 0.1, 0.12, 0.07, 0.05, 0.07, 0.06};
const double kHourW[] = {3, 2, 1.2, 0.8, 0.6, 0.6, 0.9, 1.5, 2, 2.2, 2.3, 2.5,
                         3, 3, 2.8, 2.8, 3, 3.5, 4.5, 5.5, 6.5, 6.5, 5.5, 4.2};
const double kProminence[] = {1.0, 0.5, 0.0, 0.7, 0.8, 0.8};
const double kStyleFeat[] = {0.40, 0.15, 0.0, 0.10, 0.15, 0.20};
const double kStyleNone[] = {0.0, 0.35, 0.35, 0.15, 0.075, 0.075};
const double kDeviceStyle[4][6] = {{0.05, 0.10, 0.35, -0.10, 0.15, 0.00},
                                   {0.40, -0.25, -0.35, -0.45, -0.10, 0.20},
                                   {0.10, 0.05, 0.05, 0.15, -0.05, 0.00},
                                   {0.20, 0.00, 0.15, -0.20, 0.00, 0.10}};
constexpr int kS = 6, kC = 8, kD = 4, kN = 10;

int pick(engine::Rng& rng, const double* w, int n) {
  double total = 0;
  for (int i = 0; i < n; ++i) total += w[i];
  double u = rng.uniform() * total;
  for (int i = 0; i < n; ++i) {
    if ((u -= w[i]) < 0) return i;
  }
  return n - 1;
}
int pick_cdf(const std::vector<double>& cdf, double u) {
  int i = static_cast<int>(std::lower_bound(cdf.begin(), cdf.end(), u * cdf.back()) - cdf.begin());
  return std::min(i, static_cast<int>(cdf.size()) - 1);
}
int poisson(engine::Rng& rng, double lambda) {
  double l = std::exp(-lambda), p = 1;
  int k = 0;
  do {
    ++k;
    p *= rng.uniform();
  } while (p > l);
  return k - 1;
}
// k distinct indices drawn proportionally to w (Gumbel top-k).
std::vector<int> sample_without_replacement(engine::Rng& rng, const std::vector<double>& w, int k) {
  std::vector<std::pair<double, int>> keys(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    double u = rng.uniform();
    while (u == 0) u = rng.uniform();
    keys[i] = {std::log(w[i]) - std::log(-std::log(u)), static_cast<int>(i)};
  }
  k = std::min<int>(k, static_cast<int>(w.size()));
  std::partial_sort(keys.begin(), keys.begin() + k, keys.end(), std::greater<>());
  std::vector<int> out(k);
  for (int i = 0; i < k; ++i) out[i] = keys[i].second;
  return out;
}
std::vector<double> zipf(engine::Rng& rng, int n, double s) {
  std::vector<double> p(n);
  for (int i = 0; i < n; ++i) p[i] = 1.0 / std::pow(i + 1, s);
  for (int i = n - 1; i > 0; --i) std::swap(p[i], p[static_cast<int>(rng.uniform() * (i + 1))]);
  return p;
}
std::string num(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  // Trim trailing zeros like Python's round() + json.dumps.
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

struct Variant {
  int actor, style, color, title;
  double static_logit, prominence, stranger;
  std::string json;
};

}  // namespace

GeneratorStats generate_workload(const GeneratorOptions& o, std::ostream& out) {
  engine::Rng rng(engine::mix_key((o.world_seed ? o.world_seed : o.seed) ^ 0xA27));
  const int nU = o.users, nT = o.titles, nA = o.actors, nG = o.genres;
  std::vector<double> actor_pop = zipf(rng, nA, 0.8), genre_pop = zipf(rng, nG, 0.7);

  // Users: sparse tastes and their noisy observable signals.
  std::vector<double> user_bias(nU), activity(nU);
  std::vector<int> country(nU);
  std::vector<std::array<double, kD>> dev_p(nU);
  std::vector<std::vector<std::pair<int, double>>> liked(nU);  // actor, affinity
  std::vector<std::vector<double>> gaff(nU, std::vector<double>(nG, 0.0));
  std::vector<std::vector<int>> liked_genres(nU);
  std::vector<std::string> user_json(nU);
  for (int u = 0; u < nU; ++u) {
    user_bias[u] = 0.3 * rng.normal();
    country[u] = pick(rng, kCountryP, kN);
    double sum = 0;
    for (int d = 0; d < kD; ++d) sum += dev_p[u][d] = rng.gamma(kDeviceP[d] * 2.0) + 1e-12;
    for (int d = 0; d < kD; ++d) dev_p[u][d] /= sum;
    activity[u] = std::exp(rng.normal());
    int n_liked = std::min(2 + poisson(rng, 3), 12);
    std::vector<std::pair<std::string, double>> feats;
    for (int a : sample_without_replacement(rng, actor_pop, n_liked)) {
      double aff = (0.8 + 1.2 * rng.uniform()) * o.actor_strength;
      liked[u].emplace_back(a, aff);
      if (rng.uniform() < 0.85) {
        double obs = aff / o.actor_strength * std::exp(0.3 * rng.normal()) / 2.0;
        char name[16];
        std::snprintf(name, sizeof name, "actor_a%03d", a);
        feats.emplace_back(name, obs);
      }
    }
    for (int g : sample_without_replacement(rng, genre_pop, 1 + static_cast<int>(rng.uniform() * 3))) {
      double v = 0.5 + 0.5 * rng.uniform();
      gaff[u][g] = v;
      liked_genres[u].push_back(g);
      if (rng.uniform() < 0.9) {
        char name[16];
        std::snprintf(name, sizeof name, "genre_g%02d", g);
        feats.emplace_back(name, v * std::exp(0.2 * rng.normal()));
      }
    }
    auto add_spurious = [&](const char* fmt_, int id, double v) {
      char name[16];
      std::snprintf(name, sizeof name, fmt_, id);
      for (const auto& f : feats) {
        if (f.first == name) return;
      }
      feats.emplace_back(name, v);
    };
    for (int i = poisson(rng, 1.0); i > 0; --i) {
      add_spurious("actor_a%03d", sample_without_replacement(rng, actor_pop, 1)[0],
                   0.1 + 0.5 * rng.uniform());
    }
    for (int i = poisson(rng, 0.7); i > 0; --i) {
      add_spurious("genre_g%02d", sample_without_replacement(rng, genre_pop, 1)[0],
                   0.1 + 0.4 * rng.uniform());
    }
    feats.emplace_back("activity", std::log1p(activity[u]));
    std::sort(feats.begin(), feats.end());
    std::string j = "{";
    for (size_t i = 0; i < feats.size(); ++i) {
      j.append(i ? ",\"" : "\"").append(feats[i].first).append("\":").append(num(feats[i].second, 3));
    }
    user_json[u] = j + "}";
  }

  // Interaction weights.
  const double k = o.interaction_scale;
  std::vector<std::array<double, kS>> w_genre_style(nG), w_ugenre_style(nG);
  for (int g = 0; g < nG; ++g) {
    for (int s = 0; s < kS; ++s) {
      w_genre_style[g][s] = 0.2 * k * rng.normal();
      w_ugenre_style[g][s] = 0.6 * k * rng.normal();
    }
  }
  double w_device_style[kD][kS], w_hour_style[4][kS], w_country_color[kN][kC];
  for (int d = 0; d < kD; ++d) {
    for (int s = 0; s < kS; ++s) w_device_style[d][s] = kDeviceStyle[d][s] * k + 0.12 * k * rng.normal();
  }
  for (auto& row : w_hour_style) {
    for (double& x : row) x = 0.12 * k * rng.normal();
  }
  w_hour_style[0][4] += 0.2 * k;
  for (auto& row : w_country_color) {
    for (double& x : row) x = 0.12 * k * rng.normal();
  }

  // Titles and their artwork variants.
  std::vector<double> title_pop(nT);
  std::vector<std::vector<int>> titles_by_actor(nA), titles_by_genre(nG), title_variants(nT);
  std::vector<std::string> title_json(nT);
  std::vector<Variant> variants;
  for (int t = 0; t < nT; ++t) {
    double title_bias = 0.3 * rng.normal();
    title_pop[t] = std::exp(rng.normal());
    std::vector<int> cast = sample_without_replacement(rng, actor_pop, 3 + static_cast<int>(rng.uniform() * 3));
    std::vector<int> genres = sample_without_replacement(rng, genre_pop, 1 + static_cast<int>(rng.uniform() * 3));
    for (int a : cast) titles_by_actor[a].push_back(t);
    for (int g : genres) titles_by_genre[g].push_back(t);
    std::vector<std::string> tf;
    for (int g : genres) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "\"genre_g%02d\":1", g);
      tf.emplace_back(buf);
    }
    for (int a : cast) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "\"cast_a%03d\":1", a);
      tf.emplace_back(buf);
    }
    std::sort(tf.begin(), tf.end());
    std::string j = "{";
    for (size_t i = 0; i < tf.size(); ++i) j.append(i ? "," : "").append(tf[i]);
    title_json[t] = j + "}";
    std::vector<double> lead(cast.size());
    for (size_t i = 0; i < cast.size(); ++i) lead[i] = 2.0 - (cast.size() > 1 ? static_cast<double>(i) / (cast.size() - 1) : 0.0);
    const int n_var = 3 + static_cast<int>(rng.uniform() * 6);
    for (int v = 0; v < n_var; ++v) {
      Variant var;
      var.title = t;
      if (rng.uniform() < 0.7) {
        var.actor = cast[pick(rng, lead.data(), static_cast<int>(lead.size()))];
        var.style = pick(rng, kStyleFeat, kS);
      } else {
        var.actor = -1;
        var.style = pick(rng, kStyleNone, kS);
      }
      var.color = static_cast<int>(rng.uniform() * kC);
      const std::string style = kStyles[var.style];
      if (style == "dark") {
        const int c[] = {6, 4, 5, var.color};
        var.color = c[static_cast<int>(rng.uniform() * 4)];
      } else if (style == "bright") {
        const int c[] = {7, 2, 1, var.color};
        var.color = c[static_cast<int>(rng.uniform() * 4)];
      }
      double bright = (style == "dark" ? 0.15 : style == "bright" ? 0.85 : 0.5) + 0.08 * rng.normal();
      int faces = style == "closeup" ? 1 : style == "group" ? 2 + static_cast<int>(rng.uniform() * 4) : var.actor >= 0;
      double face_area = (style == "closeup" ? 0.45 : style == "group" ? 0.25 : 0.12 * faces) + 0.04 * rng.normal();
      double text_area = (style == "text_heavy" ? 0.35 : 0.06) + 0.03 * rng.normal();
      double colorful = (var.color <= 2 || var.color == 5 ? 0.8 : 0.45) + 0.1 * rng.normal();
      auto clip = [](double x) { return std::clamp(x, 0.0, 1.0); };
      char actor[16];
      if (var.actor >= 0) {
        std::snprintf(actor, sizeof actor, "a%03d", var.actor);
      } else {
        std::snprintf(actor, sizeof actor, "none");
      }
      char head[64];
      std::snprintf(head, sizeof head, "{\"variant\":\"t%03d_v%d\",\"features\":", t, v);
      var.json = std::string(head) + "{\"featured_actor\":\"" + actor + "\",\"style\":\"" + style +
                 "\",\"color\":\"" + kColors[var.color] + "\",\"brightness\":" + num(clip(bright), 3) +
                 ",\"n_faces\":" + std::to_string(faces) + ",\"face_area\":" + num(clip(face_area), 3) +
                 ",\"text_area\":" + num(clip(text_area), 3) +
                 ",\"colorfulness\":" + num(clip(colorful), 3) + "}}";
      double gs = 0;
      for (int g : genres) gs += w_genre_style[g][var.style];
      var.static_logit = o.base + title_bias + gs / genres.size() + 0.10 * k * rng.normal();
      var.prominence = kProminence[var.style];
      var.stranger = var.actor >= 0 ? -0.3 * o.actor_strength * var.prominence : 0.0;
      title_variants[t].push_back(static_cast<int>(variants.size()));
      variants.push_back(std::move(var));
    }
  }

  // The impression stream.
  engine::Rng srng(engine::mix_key(o.seed ^ 0xB33));
  std::vector<double> act_cdf(nU), hour_cdf(24), pop_cdf(nT);
  std::partial_sum(activity.begin(), activity.end(), act_cdf.begin());
  std::partial_sum(std::begin(kHourW), std::end(kHourW), hour_cdf.begin());
  std::partial_sum(title_pop.begin(), title_pop.end(), pop_cdf.begin());
  std::vector<std::vector<double>> genre_cdf(nG);
  for (int g = 0; g < nG; ++g) {
    for (int t : titles_by_genre[g]) {
      genre_cdf[g].push_back((genre_cdf[g].empty() ? 0 : genre_cdf[g].back()) + title_pop[t]);
    }
  }
  GeneratorStats stats;
  std::string line;
  std::vector<int> cand;
  std::vector<double> p;
  for (uint64_t i = 0; i < o.n; ++i) {
    const int u = pick_cdf(act_cdf, srng.uniform());
    const int dev = pick(srng, dev_p[u].data(), kD);
    const int hour = pick_cdf(hour_cdf, srng.uniform());
    int ctry = country[u];
    if (srng.uniform() < 0.03) ctry = static_cast<int>(srng.uniform() * kN);
    int t = pick_cdf(pop_cdf, srng.uniform());
    const double src = srng.uniform(), r1 = srng.uniform(), r2 = srng.uniform();
    if (src < 0.25) {
      const auto& ts = titles_by_actor[liked[u][static_cast<int>(r1 * liked[u].size())].first];
      if (!ts.empty()) t = ts[static_cast<int>(r2 * ts.size())];
    } else if (src < 0.70) {
      const int g = liked_genres[u][static_cast<int>(r1 * liked_genres[u].size())];
      if (!titles_by_genre[g].empty()) t = titles_by_genre[g][pick_cdf(genre_cdf[g], r2)];
    }
    cand = title_variants[t];
    for (size_t j = cand.size() - 1; j > 0; --j) {
      std::swap(cand[j], cand[static_cast<size_t>(srng.uniform() * (j + 1))]);
    }
    double ug[kS] = {0};
    for (int g : liked_genres[u]) {
      for (int s = 0; s < kS; ++s) ug[s] += gaff[u][g] * w_ugenre_style[g][s];
    }
    p.clear();
    double sum = 0, best = 0;
    for (int vi : cand) {
      const Variant& v = variants[vi];
      double aff = 0;
      for (const auto& [a, val] : liked[u]) {
        if (a == v.actor) aff = val;
      }
      double logit = v.static_logit + user_bias[u] + (aff > 0 ? aff * v.prominence : v.stranger) +
                     ug[v.style] + w_device_style[dev][v.style] +
                     w_hour_style[engine::daypart(hour)][v.style] + w_country_color[ctry][v.color];
      p.push_back(1 / (1 + std::exp(-logit)));
      sum += p.back();
      best = std::max(best, p.back());
    }
    stats.random_ctr += sum / p.size();
    stats.oracle_ctr += best;
    stats.mean_candidates += static_cast<double>(p.size());
    char head[128];
    std::snprintf(head, sizeof head,
                  "{\"t\":%llu,\"user\":%d,\"context\":{\"device\":\"%s\",\"hour\":%d,\"country\":\"%s\"},"
                  "\"user_features\":",
                  static_cast<unsigned long long>(i), u, kDevices[dev], hour, kCountries[ctry]);
    line = head;
    line += user_json[u];
    char title[64];
    std::snprintf(title, sizeof title, ",\"title\":\"t%03d\",\"title_features\":", t);
    line += title;
    line += title_json[t];
    line += ",\"candidates\":[";
    for (size_t j = 0; j < cand.size(); ++j) line.append(j ? "," : "").append(variants[cand[j]].json);
    line += "],\"p_click\":[";
    for (size_t j = 0; j < p.size(); ++j) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.6f", j ? "," : "", p[j]);
      line += buf;
    }
    char tail[48];
    std::snprintf(tail, sizeof tail, "],\"u\":%.6f}\n", srng.uniform());
    line += tail;
    out << line;
  }
  if (o.n > 0) {
    stats.random_ctr /= o.n;
    stats.oracle_ctr /= o.n;
    stats.mean_candidates /= o.n;
  }
  return stats;
}

}  // namespace keyart::sim
