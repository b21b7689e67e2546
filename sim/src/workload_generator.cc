// keyart's synthetic workload (docs/SIM.md, "The generated workload"):
// first a world of viewers, interaction weights, titles and their artwork,
// drawn from the world seed; then the impression stream, drawn from the
// stream seed, one JSONL line per impression.
//
// Every step takes its random numbers in a fixed order, and the order of the
// steps is the order of the stream: the same options give the same bytes.
// Changing what a step draws, or the order of the steps, changes every file.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>
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

using FeatureList = std::vector<std::pair<std::string, double>>;

// {"name":value,...} sorted by name, values with `digits` decimals.
std::string features_json(FeatureList features, int digits = 3) {
  std::sort(features.begin(), features.end());
  std::string j = "{";
  for (size_t i = 0; i < features.size(); ++i) {
    j.append(i ? ",\"" : "\"").append(features[i].first).append("\":").append(num(features[i].second, digits));
  }
  return j + "}";
}

std::string id_name(const char* format, int id) {
  char name[16];
  std::snprintf(name, sizeof name, format, id);
  return name;
}

// ---- The world ----

// Popularity weights of the actors and genres, in a random order.
struct Popularity {
  std::vector<double> actors, genres;
};

struct User {
  double bias = 0, activity = 0;
  int country = 0;
  std::array<double, kD> device_p{};
  std::vector<std::pair<int, double>> liked_actors;  // actor, affinity
  std::vector<double> genre_affinity;                // by genre, 0 = not liked
  std::vector<int> liked_genres;
  std::string features_json;                         // what the policies see
};

struct InteractionWeights {
  std::vector<std::array<double, kS>> genre_style, user_genre_style;
  double device_style[kD][kS], hour_style[4][kS], country_color[kN][kC];
};

struct Variant {
  int actor, style, color, title;
  double static_logit, prominence, stranger;
  std::string json;
};

struct Title {
  double popularity = 0;
  std::vector<int> cast;    // in billing order: the lead first
  std::vector<int> genres;
  std::string features_json;
  std::vector<int> variants;  // indices into World::variants
};

struct World {
  std::vector<User> users;
  InteractionWeights weights;
  std::vector<Title> titles;
  std::vector<Variant> variants;
  std::vector<std::vector<int>> titles_by_actor, titles_by_genre;
};

// The viewer's liked actors, most of them observed (noisily) in its features.
void draw_liked_actors(engine::Rng& rng, const GeneratorOptions& o, const Popularity& pop,
                       User& user, FeatureList& observed) {
  const int n_liked = std::min(2 + poisson(rng, 3), 12);
  for (int a : sample_without_replacement(rng, pop.actors, n_liked)) {
    const double aff = (0.8 + 1.2 * rng.uniform()) * o.actor_strength;
    user.liked_actors.emplace_back(a, aff);
    if (rng.uniform() < 0.85) {
      const double obs = aff / o.actor_strength * std::exp(0.3 * rng.normal()) / 2.0;
      observed.emplace_back(id_name("actor_a%03d", a), obs);
    }
  }
}

// One to three liked genres, nearly always observed (noisily).
void draw_liked_genres(engine::Rng& rng, const Popularity& pop, User& user, FeatureList& observed) {
  user.genre_affinity.assign(pop.genres.size(), 0.0);
  for (int g : sample_without_replacement(rng, pop.genres, 1 + static_cast<int>(rng.uniform() * 3))) {
    const double v = 0.5 + 0.5 * rng.uniform();
    user.genre_affinity[g] = v;
    user.liked_genres.push_back(g);
    if (rng.uniform() < 0.9) observed.emplace_back(id_name("genre_g%02d", g), v * std::exp(0.2 * rng.normal()));
  }
}

// Weak signals of tastes the viewer does not have (skipped when the name is
// already observed). Each draws its value before its id.
void draw_spurious_tastes(engine::Rng& rng, const Popularity& pop, FeatureList& observed) {
  auto add = [&](std::string name, double v) {
    for (const auto& f : observed) {
      if (f.first == name) return;
    }
    observed.emplace_back(std::move(name), v);
  };
  for (int i = poisson(rng, 1.0); i > 0; --i) {
    const double v = 0.1 + 0.5 * rng.uniform();
    add(id_name("actor_a%03d", sample_without_replacement(rng, pop.actors, 1)[0]), v);
  }
  for (int i = poisson(rng, 0.7); i > 0; --i) {
    const double v = 0.1 + 0.4 * rng.uniform();
    add(id_name("genre_g%02d", sample_without_replacement(rng, pop.genres, 1)[0]), v);
  }
}

User draw_user(engine::Rng& rng, const GeneratorOptions& o, const Popularity& pop) {
  User user;
  user.bias = 0.3 * rng.normal();
  user.country = pick(rng, kCountryP, kN);
  double sum = 0;
  for (int d = 0; d < kD; ++d) sum += user.device_p[d] = rng.gamma(kDeviceP[d] * 2.0) + 1e-12;
  for (int d = 0; d < kD; ++d) user.device_p[d] /= sum;
  user.activity = std::exp(rng.normal());
  FeatureList observed;
  draw_liked_actors(rng, o, pop, user, observed);
  draw_liked_genres(rng, pop, user, observed);
  draw_spurious_tastes(rng, pop, observed);
  observed.emplace_back("activity", std::log1p(user.activity));
  user.features_json = features_json(std::move(observed));
  return user;
}

InteractionWeights draw_interaction_weights(engine::Rng& rng, int genres, double k) {
  InteractionWeights w;
  w.genre_style.resize(genres);
  w.user_genre_style.resize(genres);
  for (int g = 0; g < genres; ++g) {
    for (int s = 0; s < kS; ++s) {
      w.genre_style[g][s] = 0.2 * k * rng.normal();
      w.user_genre_style[g][s] = 0.6 * k * rng.normal();
    }
  }
  for (int d = 0; d < kD; ++d) {
    for (int s = 0; s < kS; ++s) w.device_style[d][s] = kDeviceStyle[d][s] * k + 0.12 * k * rng.normal();
  }
  for (auto& row : w.hour_style) {
    for (double& x : row) x = 0.12 * k * rng.normal();
  }
  w.hour_style[0][4] += 0.2 * k;  // dark artwork at night
  for (auto& row : w.country_color) {
    for (double& x : row) x = 0.12 * k * rng.normal();
  }
  return w;
}

std::string title_features_json(const std::vector<int>& cast, const std::vector<int>& genres) {
  std::vector<std::string> tf;
  for (int g : genres) tf.push_back("\"" + id_name("genre_g%02d", g) + "\":1");
  for (int a : cast) tf.push_back("\"" + id_name("cast_a%03d", a) + "\":1");
  std::sort(tf.begin(), tf.end());
  std::string j = "{";
  for (size_t i = 0; i < tf.size(); ++i) j.append(i ? "," : "").append(tf[i]);
  return j + "}";
}

// Who the variant features (a cast member, leads more often, or nobody),
// its style and its colour.
void draw_look(engine::Rng& rng, const std::vector<int>& cast, const std::vector<double>& lead,
               Variant& var) {
  if (rng.uniform() < 0.7) {
    var.actor = cast[pick(rng, lead.data(), static_cast<int>(lead.size()))];
    var.style = pick(rng, kStyleFeat, kS);
  } else {
    var.actor = -1;
    var.style = pick(rng, kStyleNone, kS);
  }
  var.color = static_cast<int>(rng.uniform() * kC);
  const std::string_view style = kStyles[var.style];
  if (style == "dark") {
    const int c[] = {6, 4, 5, var.color};
    var.color = c[static_cast<int>(rng.uniform() * 4)];
  } else if (style == "bright") {
    const int c[] = {7, 2, 1, var.color};
    var.color = c[static_cast<int>(rng.uniform() * 4)];
  }
}

// The candidate's JSON: its id and descriptors that go with its look.
std::string describe_variant(engine::Rng& rng, int title, int index, const Variant& var) {
  const std::string style = kStyles[var.style];
  double bright = (style == "dark" ? 0.15 : style == "bright" ? 0.85 : 0.5) + 0.08 * rng.normal();
  int faces = style == "closeup" ? 1 : style == "group" ? 2 + static_cast<int>(rng.uniform() * 4) : var.actor >= 0;
  double face_area = (style == "closeup" ? 0.45 : style == "group" ? 0.25 : 0.12 * faces) + 0.04 * rng.normal();
  double text_area = (style == "text_heavy" ? 0.35 : 0.06) + 0.03 * rng.normal();
  double colorful = (var.color <= 2 || var.color == 5 ? 0.8 : 0.45) + 0.1 * rng.normal();
  auto clip = [](double x) { return std::clamp(x, 0.0, 1.0); };
  const std::string actor = var.actor >= 0 ? id_name("a%03d", var.actor) : "none";
  char head[64];
  std::snprintf(head, sizeof head, "{\"variant\":\"t%03d_v%d\",\"features\":", title, index);
  return std::string(head) + "{\"featured_actor\":\"" + actor + "\",\"style\":\"" + style +
         "\",\"color\":\"" + kColors[var.color] + "\",\"brightness\":" + num(clip(bright), 3) +
         ",\"n_faces\":" + std::to_string(faces) + ",\"face_area\":" + num(clip(face_area), 3) +
         ",\"text_area\":" + num(clip(text_area), 3) +
         ",\"colorfulness\":" + num(clip(colorful), 3) + "}}";
}

void draw_title(engine::Rng& rng, const GeneratorOptions& o, const Popularity& pop, int t, World& w) {
  Title title;
  const double title_bias = 0.3 * rng.normal();
  title.popularity = std::exp(rng.normal());
  const std::vector<int> cast = sample_without_replacement(rng, pop.actors, 3 + static_cast<int>(rng.uniform() * 3));
  const std::vector<int> genres = sample_without_replacement(rng, pop.genres, 1 + static_cast<int>(rng.uniform() * 3));
  for (int a : cast) w.titles_by_actor[a].push_back(t);
  for (int g : genres) w.titles_by_genre[g].push_back(t);
  title.cast = cast;
  title.genres = genres;
  title.features_json = title_features_json(cast, genres);
  std::vector<double> lead(cast.size());  // the first-billed are featured more often
  for (size_t i = 0; i < cast.size(); ++i) lead[i] = 2.0 - (cast.size() > 1 ? static_cast<double>(i) / (cast.size() - 1) : 0.0);
  const double k = o.interaction_scale;
  const int n_var = 3 + static_cast<int>(rng.uniform() * 6);
  for (int v = 0; v < n_var; ++v) {
    Variant var;
    var.title = t;
    draw_look(rng, cast, lead, var);
    var.json = describe_variant(rng, t, v, var);
    double gs = 0;
    for (int g : genres) gs += w.weights.genre_style[g][var.style];
    var.static_logit = o.base + title_bias + gs / genres.size() + 0.10 * k * rng.normal();
    var.prominence = kProminence[var.style];
    var.stranger = var.actor >= 0 ? -0.3 * o.actor_strength * var.prominence : 0.0;
    title.variants.push_back(static_cast<int>(w.variants.size()));
    w.variants.push_back(std::move(var));
  }
  w.titles.push_back(std::move(title));
}

World draw_world(const GeneratorOptions& o) {
  engine::Rng rng(engine::mix_key((o.world_seed ? o.world_seed : o.seed) ^ 0xA27));
  Popularity pop;
  pop.actors = zipf(rng, o.actors, 0.8);
  pop.genres = zipf(rng, o.genres, 0.7);
  World w;
  w.users.reserve(o.users);
  for (int u = 0; u < o.users; ++u) w.users.push_back(draw_user(rng, o, pop));
  w.weights = draw_interaction_weights(rng, o.genres, o.interaction_scale);
  w.titles_by_actor.resize(o.actors);
  w.titles_by_genre.resize(o.genres);
  w.titles.reserve(o.titles);
  for (int t = 0; t < o.titles; ++t) draw_title(rng, o, pop, t, w);
  return w;
}

// ---- The impression stream ----

// Running sums of weights, for pick_cdf().
template <class Weight>
std::vector<double> cumulative(size_t n, Weight weight) {
  std::vector<double> cdf(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i) cdf[i] = total += weight(i);
  return cdf;
}

// Who sees which title, when and where.
struct Showing {
  int user, device, hour, country, title;
};

// Draws showings: viewers by activity, hours by the daily curve, the title
// as an upstream recommender would (through a liked actor, a liked genre, or
// popularity).
class Audience {
 public:
  explicit Audience(const World& w) : world_(w) {
    const auto& users = w.users;
    const auto& titles = w.titles;
    activity_cdf_ = cumulative(users.size(), [&](size_t u) { return users[u].activity; });
    hour_cdf_ = cumulative(24, [](size_t h) { return kHourW[h]; });
    popularity_cdf_ = cumulative(titles.size(), [&](size_t t) { return titles[t].popularity; });
    for (const auto& in_genre : w.titles_by_genre) {
      genre_cdf_.push_back(cumulative(in_genre.size(), [&](size_t i) { return titles[in_genre[i]].popularity; }));
    }
  }

  Showing next(engine::Rng& rng) const {
    Showing s;
    s.user = pick_cdf(activity_cdf_, rng.uniform());
    const User& user = world_.users[s.user];
    s.device = pick(rng, user.device_p.data(), kD);
    s.hour = pick_cdf(hour_cdf_, rng.uniform());
    s.country = user.country;
    if (rng.uniform() < 0.03) s.country = static_cast<int>(rng.uniform() * kN);  // travelling
    s.title = recommend(rng, user);
    return s;
  }

  // A title for the viewer, as an upstream recommender would choose it.
  int recommend(engine::Rng& rng, const User& user) const {
    int title = pick_cdf(popularity_cdf_, rng.uniform());
    const double src = rng.uniform(), r1 = rng.uniform(), r2 = rng.uniform();
    if (src < 0.25) {
      const auto& ts = world_.titles_by_actor[user.liked_actors[static_cast<int>(r1 * user.liked_actors.size())].first];
      if (!ts.empty()) title = ts[static_cast<int>(r2 * ts.size())];
    } else if (src < 0.70) {
      const int g = user.liked_genres[static_cast<int>(r1 * user.liked_genres.size())];
      const auto& ts = world_.titles_by_genre[g];
      if (!ts.empty()) title = ts[pick_cdf(genre_cdf_[g], r2)];
    }
    return title;
  }

 private:
  const World& world_;
  std::vector<double> activity_cdf_, hour_cdf_, popularity_cdf_;
  std::vector<std::vector<double>> genre_cdf_;  // by genre, over titles_by_genre
};

// The title's variants in a random order.
void shuffle_candidates(engine::Rng& rng, const std::vector<int>& variants, std::vector<int>& out) {
  out = variants;
  for (size_t j = out.size() - 1; j > 0; --j) std::swap(out[j], out[static_cast<size_t>(rng.uniform() * (j + 1))]);
}

// The true click probability of each candidate for this showing.
void click_probabilities(const World& w, const Showing& s, const std::vector<int>& candidates,
                         std::vector<double>& p) {
  const User& user = w.users[s.user];
  const InteractionWeights& iw = w.weights;
  double genre_taste[kS] = {0};  // the viewer's genre tastes, by style
  for (int g : user.liked_genres) {
    for (int st = 0; st < kS; ++st) genre_taste[st] += user.genre_affinity[g] * iw.user_genre_style[g][st];
  }
  p.clear();
  for (int vi : candidates) {
    const Variant& v = w.variants[vi];
    double aff = 0;
    for (const auto& [a, val] : user.liked_actors) {
      if (a == v.actor) aff = val;
    }
    double logit = v.static_logit + user.bias + (aff > 0 ? aff * v.prominence : v.stranger) +
                   genre_taste[v.style] + iw.device_style[s.device][v.style] +
                   iw.hour_style[engine::daypart(s.hour)][v.style] + iw.country_color[s.country][v.color];
    p.push_back(1 / (1 + std::exp(-logit)));
  }
}

// How well the title suits the viewer, whatever its artwork: the viewer's
// affinity to each cast member, weighted by billing (the lead 1, the last
// billed 0.5), plus its affinity to the title's genres.
double title_match(const User& user, const Title& title) {
  double match = 0;
  const size_t n = title.cast.size();
  for (size_t i = 0; i < n; ++i) {
    const double billing = n > 1 ? 1.0 - 0.5 * static_cast<double>(i) / (n - 1) : 1.0;
    for (const auto& [a, affinity] : user.liked_actors) {
      if (a == title.cast[i]) match += billing * affinity;
    }
  }
  for (int g : title.genres) match += user.genre_affinity[g];
  return match;
}

// What follows a click (docs/SIM.md, "Plays and completions"): a play, more
// likely the better the title suits the viewer, and, after a play, a
// completion, likelier still with the match. Artwork that wins a click
// from a viewer the title does not suit wins few plays.
struct Viewing {
  double p_play = 0, p_complete = 0;
};
Viewing viewing_probabilities(const World& w, const Showing& s) {
  const double match = title_match(w.users[s.user], w.titles[s.title]);
  return {1 / (1 + std::exp(-(-0.6 + 1.2 * match))), 1 / (1 + std::exp(-(-0.8 + 0.9 * match)))};
}

// The roles of a cast in billing order: the lead, two supporting, the rest minor.
const char* role_by_billing(size_t index) {
  return index == 0 ? "lead" : index < 3 ? "supporting" : "minor";
}

// Each title's facts, one "title_facts" line each.
void write_title_facts(const World& w, std::ostream& out) {
  for (size_t t = 0; t < w.titles.size(); ++t) {
    const Title& title = w.titles[t];
    std::string line = "{\"title_facts\":{\"title\":\"" + id_name("t%03d", static_cast<int>(t)) +
                       "\",\"cast\":{";
    for (size_t i = 0; i < title.cast.size(); ++i) {
      line += (i ? ",\"" : "\"") + id_name("a%03d", title.cast[i]) + "\":\"" + role_by_billing(i) + "\"";
    }
    line += "},\"genres\":[";
    for (size_t i = 0; i < title.genres.size(); ++i) {
      line += (i ? ",\"" : "\"") + id_name("g%02d", title.genres[i]) + "\"";
    }
    out << line << "]}}\n";
  }
}

// The world's hidden part, for checking estimates of it (docs/SIM.md,
// "Hidden tastes").
void write_truth(const World& w, std::ostream& out) {
  char line[96];
  for (size_t t = 0; t < w.titles.size(); ++t) {
    std::snprintf(line, sizeof line, "{\"title\":\"t%03zu\",\"popularity\":%.6f}\n", t,
                  w.titles[t].popularity);
    out << line;
  }
  for (size_t u = 0; u < w.users.size(); ++u) {
    const User& user = w.users[u];
    FeatureList actors, genres;
    for (const auto& [a, affinity] : user.liked_actors) actors.emplace_back(id_name("a%03d", a), affinity);
    for (int g : user.liked_genres) genres.emplace_back(id_name("g%02d", g), user.genre_affinity[g]);
    out << "{\"user\":" << u << ",\"actors\":" << features_json(std::move(actors), 4)
        << ",\"genres\":" << features_json(std::move(genres), 4) << "}\n";
  }
}

// Each viewer's viewing history before the stream (docs/SIM.md, "Viewing
// history"): as many plays as its activity says, each title chosen with
// probability proportional to its popularity times exp(1.5 match) (viewers
// watch what suits them), completed with the chance that the match gives,
// otherwise stopped after a while (short plays common).
void write_history(const World& w, const GeneratorOptions& o, std::ostream& out) {
  engine::Rng rng(engine::mix_key(o.seed ^ 0xD55));
  const double mean_activity = std::exp(0.5);  // of exp(N(0, 1))
  const double window_ms = static_cast<double>(o.history_days) * 86'400'000.0;
  char line[192];
  for (size_t u = 0; u < w.users.size(); ++u) {
    const User& user = w.users[u];
    const int n = std::min(300, poisson(rng, o.history_plays * user.activity / mean_activity));
    if (n == 0) continue;
    const std::vector<double> cdf = cumulative(w.titles.size(), [&](size_t t) {
      return w.titles[t].popularity * std::exp(1.5 * title_match(user, w.titles[t]));
    });
    for (int i = 0; i < n; ++i) {
      Showing s{static_cast<int>(u), 0, 0, user.country, pick_cdf(cdf, rng.uniform())};
      const double p_complete = viewing_probabilities(w, s).p_complete;
      const bool completed = rng.uniform() < p_complete;
      const double stopped = rng.uniform();
      const double seconds = completed ? 5400 : 60 + 5340 * stopped * stopped;
      const auto offset = static_cast<long long>(-rng.uniform() * window_ms) - 1;
      std::snprintf(line, sizeof line,
                    "{\"play\":{\"user\":%zu,\"title\":\"t%03d\",\"ts_offset_ms\":%lld,"
                    "\"seconds\":%.0f,\"completed\":%s}}\n",
                    u, s.title, offset, seconds, completed ? "true" : "false");
      out << line;
    }
  }
}

void add_to_stats(const std::vector<double>& p, GeneratorStats& stats) {
  double sum = 0, best = 0;
  for (double x : p) {
    sum += x;
    best = std::max(best, x);
  }
  stats.random_ctr += sum / p.size();
  stats.oracle_ctr += best;
  stats.mean_candidates += static_cast<double>(p.size());
}

// One JSONL line, newline included.
void write_impression(uint64_t index, const World& w, const Showing& s, const std::vector<int>& candidates,
                      const std::vector<double>& p, double u, std::string& line) {
  char head[128];
  std::snprintf(head, sizeof head,
                "{\"t\":%llu,\"user\":%d,\"context\":{\"device\":\"%s\",\"hour\":%d,\"country\":\"%s\"},"
                "\"user_features\":",
                static_cast<unsigned long long>(index), s.user, kDevices[s.device], s.hour, kCountries[s.country]);
  line = head;
  line += w.users[s.user].features_json;
  char title[64];
  std::snprintf(title, sizeof title, ",\"title\":\"t%03d\",\"title_features\":", s.title);
  line += title;
  line += w.titles[s.title].features_json;
  line += ",\"candidates\":[";
  for (size_t j = 0; j < candidates.size(); ++j) line.append(j ? "," : "").append(w.variants[candidates[j]].json);
  line += "],\"p_click\":[";
  for (size_t j = 0; j < p.size(); ++j) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6f", j ? "," : "", p[j]);
    line += buf;
  }
  char tail[48];
  std::snprintf(tail, sizeof tail, "],\"u\":%.6f}\n", u);
  line += tail;
}

}  // namespace

GeneratorStats generate_workload(const GeneratorOptions& o, std::ostream& out) {
  const World world = draw_world(o);
  const Audience audience(world);
  if (o.truth) write_truth(world, *o.truth);
  if (o.history) {
    write_title_facts(world, out);
    write_history(world, o, out);
  }
  engine::Rng rng(engine::mix_key(o.seed ^ 0xB33));
  GeneratorStats stats;
  std::string line;
  std::vector<int> candidates;
  std::vector<double> p;
  // The draws that decide plays come from a stream of their own, so a
  // workload with plays has the same impressions and clicks as one without.
  engine::Rng play_rng(engine::mix_key(o.seed ^ 0xC44));
  for (uint64_t i = 0; i < o.n; ++i) {
    const Showing s = audience.next(rng);
    shuffle_candidates(rng, world.titles[s.title].variants, candidates);
    click_probabilities(world, s, candidates, p);
    add_to_stats(p, stats);
    write_impression(i, world, s, candidates, p, rng.uniform(), line);
    if (o.plays) {
      const Viewing v = viewing_probabilities(world, s);
      const double u_play = play_rng.uniform(), u_complete = play_rng.uniform();
      char plays[128];
      std::snprintf(plays, sizeof plays,
                    ",\"p_play\":%.6f,\"p_complete\":%.6f,\"u_play\":%.6f,\"u_complete\":%.6f}\n",
                    v.p_play, v.p_complete, u_play, u_complete);
      line.resize(line.size() - 2);  // reopen the object: drop "}\n"
      line += plays;
    }
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
