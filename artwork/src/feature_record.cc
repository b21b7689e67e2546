#include "keyart/artwork/feature_record.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "keyart/artwork/color_names.h"
#include "keyart/artwork/style_rules.h"

namespace keyart::artwork {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json optional_json(const std::optional<int>& v) { return v ? json(*v) : json(nullptr); }

template <typename T>
std::optional<T> optional_from(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

std::string hex_bytes(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  throw std::invalid_argument("feature record: bad hex digit in fingerprint");
}

std::vector<uint8_t> bytes_from_hex(const std::string& hex) {
  if (hex.size() % 2) throw std::invalid_argument("feature record: odd-length hex string");
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(hex_value(hex[2 * i]) * 16 + hex_value(hex[2 * i + 1]));
  }
  return out;
}

std::string rgb_hex(const std::array<int, 3>& rgb) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0] & 255, rgb[1] & 255, rgb[2] & 255);
  return buf;
}

std::array<int, 3> rgb_from_hex(const std::string& s) {
  if (s.size() != 7 || s[0] != '#') throw std::invalid_argument("feature record: bad colour " + s);
  auto bytes = bytes_from_hex(s.substr(1));
  return {bytes[0], bytes[1], bytes[2]};
}

std::string phash_hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

json arm_features_json(const ArmFeatures& a) {
  return json{{"featured_actor", a.featured_actor}, {"style", a.style},
              {"color", a.color},                   {"brightness", a.brightness},
              {"n_faces", a.n_faces},               {"face_area", a.face_area},
              {"text_area", a.text_area},           {"colorfulness", a.colorfulness}};
}

json to_json(const FeatureRecord& r) {
  json faces = json::array();
  for (const auto& f : r.faces) {
    json landmarks = json::array();
    for (const auto& p : f.landmarks) landmarks.push_back({p[0], p[1]});
    faces.push_back({{"box", f.box},
                     {"score", f.score},
                     {"landmarks", landmarks},
                     {"area", f.area},
                     {"center", {f.center_x, f.center_y}},
                     {"third", f.third},
                     {"actor_id", optional_json(f.actor_id)},
                     {"distance", optional_json(f.distance)}});
  }
  json palette = json::array();
  for (const auto& c : r.look.palette) {
    palette.push_back(
        {{"lab", c.lab}, {"rgb", rgb_hex(c.rgb)}, {"share", c.share}, {"name", c.name}});
  }
  json points = json::array();
  for (const auto& p : r.fingerprint.points) points.push_back({p[0], p[1]});
  json near_duplicates = json::array();
  for (const auto& d : r.near_duplicates) {
    near_duplicates.push_back({{"variant_id", d.variant_id}, {"kind", d.kind}});
  }
  return json{
      {"extractor_version", r.extractor_version},
      {"image",
       {{"format", r.image.format},
        {"width", r.image.width},
        {"height", r.image.height},
        {"bytes", r.bytes}}},
      {"faces", faces},
      {"largest_face", optional_json(r.largest_face)},
      {"central_face", optional_json(r.central_face)},
      {"dominant_face", optional_json(r.dominant_face)},
      {"face_area", r.face_area},
      {"cast",
       {{"identified", r.cast.identified},
        {"featured_actor", optional_json(r.cast.featured_actor)},
        {"actors", r.cast.actors},
        {"dominant_share", r.cast.dominant_share},
        {"featured_billing_order", optional_json(r.cast.featured_billing_order)},
        {"featured_role", optional_json(r.cast.featured_role)},
        {"prominent_minor_actors", r.cast.prominent_minor_actors}}},
      {"look",
       {{"brightness", r.look.brightness},
        {"contrast", r.look.contrast},
        {"saturation", r.look.saturation},
        {"colorfulness", r.look.colorfulness},
        {"colorfulness_raw", r.look.colorfulness_raw},
        {"warmth", r.look.warmth},
        {"sharpness", r.look.sharpness},
        {"sharpness_raw", r.look.sharpness_raw},
        {"palette", palette},
        {"dominant_color", r.look.dominant_color}}},
      {"text", {{"area", r.text.area}, {"boxes", r.text.boxes}}},
      {"composition",
       {{"saliency_center", {r.composition.saliency_x, r.composition.saliency_y}},
        {"thirds_distance", r.composition.thirds_distance},
        {"center_distance", r.composition.center_distance},
        {"spread", r.composition.spread}}},
      {"fingerprint",
       {{"phash", phash_hex(r.fingerprint.phash)},
        {"width", r.fingerprint.width},
        {"height", r.fingerprint.height},
        {"points", points},
        {"descriptors", hex_bytes(r.fingerprint.descriptors)}}},
      {"arm_features", arm_features_json(r.arm)},
      {"near_duplicates", near_duplicates},
  };
}

FeatureRecord record_from_json(const json& j) {
  FeatureRecord r;
  try {
    r.extractor_version = j.at("extractor_version").get<std::string>();
    if (r.extractor_version != kExtractorVersion) {
      throw std::invalid_argument("feature record of extractor '" + r.extractor_version +
                                  "', this build reads '" + kExtractorVersion + "'");
    }
    const json& image = j.at("image");
    r.image.format = image.at("format").get<std::string>();
    r.image.width = image.at("width").get<int>();
    r.image.height = image.at("height").get<int>();
    r.bytes = image.at("bytes").get<uint64_t>();
    for (const json& jf : j.at("faces")) {
      Face f;
      f.box = jf.at("box").get<Box>();
      f.score = jf.at("score").get<double>();
      const json& lm = jf.at("landmarks");
      for (size_t i = 0; i < f.landmarks.size(); ++i) {
        f.landmarks[i] = lm.at(i).get<std::array<double, 2>>();
      }
      f.area = jf.at("area").get<double>();
      f.center_x = jf.at("center").at(0).get<double>();
      f.center_y = jf.at("center").at(1).get<double>();
      f.third = jf.at("third").get<std::string>();
      f.actor_id = optional_from<std::string>(jf, "actor_id");
      f.distance = optional_from<double>(jf, "distance");
      r.faces.push_back(std::move(f));
    }
    r.largest_face = optional_from<int>(j, "largest_face");
    r.central_face = optional_from<int>(j, "central_face");
    r.dominant_face = optional_from<int>(j, "dominant_face");
    r.face_area = j.at("face_area").get<double>();
    const json& cast = j.at("cast");
    r.cast.identified = cast.at("identified").get<bool>();
    r.cast.featured_actor = optional_from<std::string>(cast, "featured_actor");
    r.cast.actors = cast.at("actors").get<std::vector<std::string>>();
    r.cast.dominant_share = cast.at("dominant_share").get<double>();
    r.cast.featured_billing_order = optional_from<int>(cast, "featured_billing_order");
    r.cast.featured_role = optional_from<std::string>(cast, "featured_role");
    r.cast.prominent_minor_actors =
        cast.at("prominent_minor_actors").get<std::vector<std::string>>();
    const json& look = j.at("look");
    r.look.brightness = look.at("brightness").get<double>();
    r.look.contrast = look.at("contrast").get<double>();
    r.look.saturation = look.at("saturation").get<double>();
    r.look.colorfulness = look.at("colorfulness").get<double>();
    r.look.colorfulness_raw = look.at("colorfulness_raw").get<double>();
    r.look.warmth = look.at("warmth").get<double>();
    r.look.sharpness = look.at("sharpness").get<double>();
    r.look.sharpness_raw = look.at("sharpness_raw").get<double>();
    for (const json& jc : look.at("palette")) {
      PaletteColor c;
      c.lab = jc.at("lab").get<std::array<double, 3>>();
      c.rgb = rgb_from_hex(jc.at("rgb").get<std::string>());
      c.share = jc.at("share").get<double>();
      c.name = jc.at("name").get<std::string>();
      r.look.palette.push_back(std::move(c));
    }
    r.look.dominant_color = look.at("dominant_color").get<std::string>();
    r.text.area = j.at("text").at("area").get<double>();
    r.text.boxes = j.at("text").at("boxes").get<std::vector<Box>>();
    const json& comp = j.at("composition");
    r.composition.saliency_x = comp.at("saliency_center").at(0).get<double>();
    r.composition.saliency_y = comp.at("saliency_center").at(1).get<double>();
    r.composition.thirds_distance = comp.at("thirds_distance").get<double>();
    r.composition.center_distance = comp.at("center_distance").get<double>();
    r.composition.spread = comp.at("spread").get<double>();
    const json& fp = j.at("fingerprint");
    r.fingerprint.phash = std::stoull(fp.at("phash").get<std::string>(), nullptr, 16);
    r.fingerprint.width = fp.at("width").get<int>();
    r.fingerprint.height = fp.at("height").get<int>();
    r.fingerprint.points = fp.at("points").get<std::vector<std::array<float, 2>>>();
    r.fingerprint.descriptors = bytes_from_hex(fp.at("descriptors").get<std::string>());
    if (r.fingerprint.descriptors.size() != r.fingerprint.points.size() * 32) {
      throw std::invalid_argument("feature record: fingerprint has " +
                                  std::to_string(r.fingerprint.points.size()) +
                                  " keypoints but " +
                                  std::to_string(r.fingerprint.descriptors.size()) +
                                  " descriptor bytes");
    }
    const json& arm = j.at("arm_features");
    r.arm.featured_actor = arm.at("featured_actor").get<std::string>();
    r.arm.style = arm.at("style").get<std::string>();
    r.arm.color = arm.at("color").get<std::string>();
    r.arm.brightness = arm.at("brightness").get<double>();
    r.arm.n_faces = arm.at("n_faces").get<int>();
    r.arm.face_area = arm.at("face_area").get<double>();
    r.arm.text_area = arm.at("text_area").get<double>();
    r.arm.colorfulness = arm.at("colorfulness").get<double>();
    if (j.contains("near_duplicates")) {
      for (const json& d : j.at("near_duplicates")) {
        r.near_duplicates.push_back(
            {d.at("variant_id").get<std::string>(), d.at("kind").get<std::string>()});
      }
    }
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("malformed feature record: ") + e.what());
  }
  return r;
}

const std::vector<std::string>& feature_vector_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {
        "faces_present",    "n_faces_div10",    "face_area",         "dominant_face_area",
        "dominant_face_x",  "dominant_face_y",  "featured_actor_known", "featured_is_lead",
        "dominant_share",   "prominent_minor",  "text_area",         "brightness",
        "contrast",         "saturation",       "colorfulness",      "warmth",
        "sharpness",        "saliency_x",       "saliency_y",        "thirds_distance",
        "center_distance",  "saliency_spread"};
    for (const auto& s : style_names()) n.push_back("style_" + s);
    for (const auto& c : color_bucket_names()) n.push_back("color_" + c);
    return n;
  }();
  return names;
}

std::vector<double> feature_vector(const FeatureRecord& r) {
  const Face* dominant = r.dominant_face ? &r.faces.at(static_cast<size_t>(*r.dominant_face)) : nullptr;
  std::vector<double> v = {
      r.faces.empty() ? 0.0 : 1.0,
      std::min<double>(static_cast<double>(r.faces.size()), 10.0) / 10.0,
      r.face_area,
      dominant ? dominant->area : 0.0,
      dominant ? dominant->center_x : 0.5,
      dominant ? dominant->center_y : 0.5,
      r.cast.featured_actor ? 1.0 : 0.0,
      r.cast.featured_role && *r.cast.featured_role == "lead" ? 1.0 : 0.0,
      r.cast.dominant_share,
      r.cast.prominent_minor_actors.empty() ? 0.0 : 1.0,
      r.text.area,
      r.look.brightness,
      r.look.contrast,
      r.look.saturation,
      r.look.colorfulness,
      r.look.warmth,
      r.look.sharpness,
      r.composition.saliency_x,
      r.composition.saliency_y,
      r.composition.thirds_distance,
      r.composition.center_distance,
      r.composition.spread};
  for (const auto& s : style_names()) v.push_back(r.arm.style == s ? 1.0 : 0.0);
  for (const auto& c : color_bucket_names()) v.push_back(r.arm.color == c ? 1.0 : 0.0);
  return v;
}

}  // namespace keyart::artwork
