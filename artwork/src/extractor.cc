#include "keyart/artwork/extractor.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "composition.h"
#include "decode.h"
#include "face_descriptor.h"
#include "face_detector.h"
#include "fingerprint.h"
#include "keyart/artwork/errors.h"
#include "keyart/artwork/models.h"
#include "keyart/artwork/style_rules.h"
#include "look.h"
#include "text_regions.h"

namespace keyart::artwork {

namespace {

double r4(double v) { return std::round(v * 10000.0) / 10000.0; }
double r1(double v) { return std::round(v * 10.0) / 10.0; }

std::string third_of(double x, double y) {
  static const char* rows[] = {"top", "middle", "bottom"};
  static const char* cols[] = {"left", "center", "right"};
  int cx = std::clamp(static_cast<int>(x * 3), 0, 2), cy = std::clamp(static_cast<int>(y * 3), 0, 2);
  return std::string(rows[cy]) + "-" + cols[cx];
}

Face make_face(const DetectedFace& d, int width, int height) {
  Face f;
  f.box = {r1(d.box.x), r1(d.box.y), r1(d.box.width), r1(d.box.height)};
  f.score = r4(d.score);
  for (size_t k = 0; k < 5; ++k) f.landmarks[k] = {r1(d.landmarks[k].x), r1(d.landmarks[k].y)};
  f.area = r4(d.box.area() / (double(width) * height));
  f.center_x = r4((d.box.x + d.box.width / 2) / width);
  f.center_y = r4((d.box.y + d.box.height / 2) / height);
  f.third = third_of(f.center_x, f.center_y);
  return f;
}

double union_area(const std::vector<cv::Rect>& boxes, cv::Size size) {
  if (boxes.empty()) return 0;
  cv::Mat mask(size, CV_8U, cv::Scalar(0));
  for (const auto& b : boxes) mask(b & cv::Rect(0, 0, size.width, size.height)) = 1;
  return cv::countNonZero(mask) / double(size.area());
}

}  // namespace

struct Extractor::Impl {
  ExtractorOptions options;
  FaceDetector detector;
  std::unique_ptr<FaceDescriptorNet> descriptor;

  explicit Impl(ExtractorOptions o)
      : options(o),
        detector(find_model(kFaceDetectorFile).string(), o.detect_long_side,
                 o.face_score_threshold) {}

  FaceDescriptorNet& descriptor_net() {
    if (!descriptor) {
      descriptor = std::make_unique<FaceDescriptorNet>(find_model(kFaceDescriptorFile).string());
    }
    return *descriptor;
  }

  // image: the decoded pixels, at image_scale x the original size.
  void identify(const cv::Mat& image, double image_scale, const std::vector<DetectedFace>& detected,
                const CastGallery& cast, FeatureRecord& r);
};

void Extractor::Impl::identify(const cv::Mat& image, double image_scale,
                               const std::vector<DetectedFace>& detected, const CastGallery& cast,
                               FeatureRecord& r) {
  r.cast.identified = true;
  int matched = 0;
  for (size_t i = 0; i < detected.size() && matched < options.max_identified_faces; ++i) {
    if (detected[i].box.width < options.min_identify_face_px) continue;
    ++matched;
    auto landmarks = detected[i].landmarks;
    for (auto& p : landmarks) p *= image_scale;
    auto descriptor = descriptor_net().compute(image, landmarks);
    auto nearest = nearest_cast_member(cast, descriptor);
    if (!nearest) continue;
    r.faces[i].distance = r4(nearest->distance);
    if (nearest->distance < options.identity_threshold) r.faces[i].actor_id = nearest->actor_id;
  }
  for (const auto& f : r.faces) {
    if (f.actor_id &&
        std::find(r.cast.actors.begin(), r.cast.actors.end(), *f.actor_id) == r.cast.actors.end()) {
      r.cast.actors.push_back(*f.actor_id);
    }
  }
  if (r.dominant_face) r.cast.featured_actor = r.faces[static_cast<size_t>(*r.dominant_face)].actor_id;
  if (r.cast.featured_actor) {
    double share = 0;
    for (const auto& f : r.faces) {
      if (f.actor_id == r.cast.featured_actor) share += f.area;
    }
    r.cast.dominant_share = r4(std::min(1.0, share));
    if (const CastReference* m = cast.find(*r.cast.featured_actor)) {
      r.cast.featured_billing_order = m->billing_order;
      r.cast.featured_role = m->role;
    }
  }
  double largest = r.faces.empty() ? 0 : r.faces.front().area;
  for (size_t i = 0; i < r.faces.size(); ++i) {
    const Face& f = r.faces[i];
    if (!f.actor_id) continue;
    const CastReference* m = cast.find(*f.actor_id);
    bool prominent = (r.dominant_face && static_cast<size_t>(*r.dominant_face) == i) ||
                     f.area >= options.minor_prominence * largest;
    auto& minors = r.cast.prominent_minor_actors;
    if (m && m->role == "minor" && prominent &&
        std::find(minors.begin(), minors.end(), *f.actor_id) == minors.end()) {
      minors.push_back(*f.actor_id);
    }
  }
}

Extractor::Extractor(ExtractorOptions options) : impl_(std::make_unique<Impl>(options)) {}
Extractor::~Extractor() = default;
Extractor::Extractor(Extractor&&) noexcept = default;
Extractor& Extractor::operator=(Extractor&&) noexcept = default;
const ExtractorOptions& Extractor::options() const { return impl_->options; }

FeatureRecord Extractor::extract(std::span<const uint8_t> bytes, const CastGallery* cast) {
  FeatureRecord r;
  // A large JPEG is decoded at a reduced scale, never below 1.5x the working
  // size (so face chips keep their detail); coordinates stay in original pixels.
  double decode_scale = 1.0;
  cv::Mat image = decode_image(bytes, impl_->options.limits, &r.image,
                               impl_->options.detect_long_side * 3 / 2, &decode_scale);
  r.bytes = bytes.size();
  try {
    double fit_scale = 1.0;
    cv::Mat working = fit_long_side(image, impl_->options.detect_long_side, &fit_scale);
    double scale = decode_scale * fit_scale;  // original pixels -> working pixels

    auto detected = impl_->detector.detect_scaled(working, scale);
    std::stable_sort(detected.begin(), detected.end(), [](const auto& a, const auto& b) {
      return a.box.area() > b.box.area();
    });
    double total_area = 0, best_center = 1e9;
    for (size_t i = 0; i < detected.size(); ++i) {
      r.faces.push_back(make_face(detected[i], r.image.width, r.image.height));
      total_area += r.faces.back().area;
      double d = std::hypot(r.faces.back().center_x - 0.5, r.faces.back().center_y - 0.5);
      if (d < best_center) {
        best_center = d;
        r.central_face = static_cast<int>(i);
      }
    }
    r.face_area = r4(std::min(1.0, total_area));
    if (!detected.empty()) {
      r.largest_face = 0;
      if (detected.size() == 1 ||
          detected[0].box.area() >= impl_->options.dominant_area_ratio * detected[1].box.area()) {
        r.dominant_face = 0;
      }
    }
    if (cast && cast->has_descriptors()) impl_->identify(image, decode_scale, detected, *cast, r);

    std::vector<cv::Rect2d> working_faces;
    for (const auto& d : detected) {
      working_faces.emplace_back(d.box.x * scale, d.box.y * scale, d.box.width * scale,
                                 d.box.height * scale);
    }
    auto lines = detect_text_lines(working, working_faces);
    r.text.area = r4(union_area(lines, working.size()));
    for (const auto& b : lines) {
      r.text.boxes.push_back({r1(b.x / scale), r1(b.y / scale), r1(b.width / scale), r1(b.height / scale)});
    }

    r.look = measure_look(working);
    r.composition = measure_composition(working);
    r.fingerprint = compute_fingerprint(working);
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kCorrupt, "image could not be analysed (" + e.err + ")");
  }

  StyleInputs style;
  style.n_faces = static_cast<int>(r.faces.size());
  style.face_area = r.face_area;
  style.dominant_face_area = r.dominant_face ? r.faces[static_cast<size_t>(*r.dominant_face)].area : 0;
  style.largest_face_area = r.faces.empty() ? 0 : r.faces.front().area;
  style.text_area = r.text.area;
  style.brightness = r.look.brightness;
  r.arm.featured_actor = r.cast.featured_actor.value_or("none");
  r.arm.style = classify_style(style);
  r.arm.color = r.look.dominant_color;
  r.arm.brightness = r.look.brightness;
  r.arm.n_faces = static_cast<int>(r.faces.size());
  r.arm.face_area = r.face_area;
  r.arm.text_area = r.text.area;
  r.arm.colorfulness = r.look.colorfulness;
  return r;
}

std::vector<float> Extractor::headshot_descriptor(std::span<const uint8_t> bytes) {
  cv::Mat image = decode_image(bytes, impl_->options.limits, nullptr);
  try {
    auto faces = impl_->detector.detect(image);
    if (faces.empty()) {
      throw ArtworkError(Refusal::kNoFace,
                         "no face found in the headshot: use a clear, front-facing photo of one person");
    }
    if (faces.size() > 1) {
      throw ArtworkError(Refusal::kSeveralFaces,
                         std::to_string(faces.size()) +
                             " faces found in the headshot: crop it to the one actor");
    }
    return impl_->descriptor_net().compute(image, faces[0].landmarks);
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kCorrupt, "headshot could not be analysed (" + e.err + ")");
  }
}

}  // namespace keyart::artwork
