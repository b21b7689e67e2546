#include "keyart/artwork/render.h"

#include <algorithm>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "decode.h"
#include "keyart/artwork/errors.h"

namespace keyart::artwork {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kIdentified(80, 220, 80), kUnknown(0, 200, 255), kText(220, 60, 220),
    kInk(245, 245, 245), kPaper(30, 30, 30);

std::vector<uint8_t> png(const cv::Mat& image) {
  std::vector<uint8_t> out;
  if (!cv::imencode(".png", image, out)) throw ArtworkError(Refusal::kCorrupt, "cannot encode PNG");
  return out;
}

// Text with a dark outline, readable on any background.
void label(cv::Mat& img, const std::string& text, cv::Point at, double scale, const cv::Scalar& color,
           int thickness = 1) {
  cv::putText(img, text, at, kFont, scale, cv::Scalar(0, 0, 0), thickness + 2, cv::LINE_AA);
  cv::putText(img, text, at, kFont, scale, color, thickness, cv::LINE_AA);
}

std::string percent(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100.0);
  return buf;
}

std::string fixed2(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

cv::Mat letterbox(const cv::Mat& image, cv::Size box) {
  double s = std::min(double(box.width) / image.cols, double(box.height) / image.rows);
  cv::Mat resized, out(box, CV_8UC3, kPaper);
  cv::resize(image, resized, cv::Size(std::max(1, cvRound(image.cols * s)), std::max(1, cvRound(image.rows * s))),
             0, 0, cv::INTER_AREA);
  resized.copyTo(out(cv::Rect((box.width - resized.cols) / 2, (box.height - resized.rows) / 2,
                              resized.cols, resized.rows)));
  return out;
}

}  // namespace

std::vector<uint8_t> render_inspection(std::span<const uint8_t> image_bytes, const FeatureRecord& r,
                                       const std::map<std::string, std::string>& actor_names) {
  ImageLimits limits;
  cv::Mat image = decode_image(image_bytes, limits, nullptr);
  try {
    double s = 1.0;
    cv::Mat view = fit_long_side(image, 1280, &s).clone();
    double ui = std::max(0.5, view.cols / 1280.0);  // text scale
    for (const auto& b : r.text.boxes) {
      cv::rectangle(view, cv::Rect2d(b[0] * s, b[1] * s, b[2] * s, b[3] * s), kText, 2);
    }
    for (size_t i = 0; i < r.faces.size(); ++i) {
      const Face& f = r.faces[i];
      bool dominant = r.dominant_face && static_cast<size_t>(*r.dominant_face) == i;
      cv::Scalar color = f.actor_id ? kIdentified : kUnknown;
      cv::Rect2d box(f.box[0] * s, f.box[1] * s, f.box[2] * s, f.box[3] * s);
      cv::rectangle(view, box, color, dominant ? 4 : 2);
      for (const auto& p : f.landmarks) cv::circle(view, cv::Point2d(p[0] * s, p[1] * s), 2, color, -1);
      std::string name = "unknown";
      if (f.actor_id) {
        auto it = actor_names.find(*f.actor_id);
        name = it != actor_names.end() && !it->second.empty() ? it->second : *f.actor_id;
      }
      if (f.distance) name += " (" + fixed2(*f.distance) + ")";
      if (dominant) name = "* " + name;
      if (box.width >= 30) {
        label(view, name, cv::Point(cvRound(box.x), std::max(14, cvRound(box.y) - 6)), 0.55 * ui, color,
              dominant ? 2 : 1);
      }
    }
    // Palette strip and a line of key features beneath the picture.
    int strip = cvRound(48 * ui), info = cvRound(56 * ui);
    cv::Mat canvas(view.rows + strip + info, view.cols, CV_8UC3, kPaper);
    view.copyTo(canvas(cv::Rect(0, 0, view.cols, view.rows)));
    int x = 0;
    for (size_t i = 0; i < r.look.palette.size(); ++i) {
      const auto& c = r.look.palette[i];
      int w = i + 1 == r.look.palette.size() ? view.cols - x : cvRound(c.share * view.cols);
      cv::Rect cell(x, view.rows, std::max(0, w), strip);
      canvas(cell) = cv::Scalar(c.rgb[2], c.rgb[1], c.rgb[0]);
      if (w > 60 * ui) label(canvas, c.name + " " + percent(c.share), cv::Point(x + 4, view.rows + strip - 8),
                            0.45 * ui, kInk);
      x += w;
    }
    std::string featured = r.cast.featured_actor ? *r.cast.featured_actor : "none";
    if (r.cast.featured_actor) {
      auto it = actor_names.find(featured);
      if (it != actor_names.end() && !it->second.empty()) featured = it->second;
    }
    std::string line1 = "style " + r.arm.style + "   colour " + r.arm.color + "   faces " +
                        std::to_string(r.faces.size()) + " (" + percent(r.face_area) +
                        ")   featured " + featured;
    std::string line2 = "brightness " + fixed2(r.look.brightness) + "   colourfulness " +
                        fixed2(r.look.colorfulness) + "   text " + percent(r.text.area) +
                        "   sharpness " + fixed2(r.look.sharpness);
    if (!r.cast.prominent_minor_actors.empty()) line2 += "   MINOR CAST PROMINENT";
    int base = view.rows + strip;
    label(canvas, line1, cv::Point(8, base + cvRound(22 * ui)), 0.55 * ui, kInk);
    label(canvas, line2, cv::Point(8, base + cvRound(46 * ui)), 0.55 * ui, kInk);
    return png(canvas);
  } catch (const cv::Exception& e) {
    throw ArtworkError(Refusal::kCorrupt, "cannot draw the inspection view (" + e.err + ")");
  }
}

std::vector<uint8_t> render_contact_sheet(const std::vector<SheetTile>& tiles, const std::string& title,
                                          int columns) {
  const cv::Size thumb(320, 180);
  const int caption = 18 * 4 + 8, pad = 12, header = 44;
  columns = std::max(1, std::min<int>(columns, std::max<int>(1, static_cast<int>(tiles.size()))));
  int rows = std::max(1, (static_cast<int>(tiles.size()) + columns - 1) / columns);
  int cell_w = thumb.width + pad, cell_h = thumb.height + caption + pad;
  cv::Mat sheet(header + rows * cell_h + pad, pad + columns * cell_w, CV_8UC3, cv::Scalar(20, 20, 20));
  label(sheet, title, cv::Point(pad, 30), 0.8, kInk, 2);
  ImageLimits limits;
  for (size_t i = 0; i < tiles.size(); ++i) {
    int col = static_cast<int>(i) % columns, row = static_cast<int>(i) / columns;
    cv::Point origin(pad + col * cell_w, header + row * cell_h);
    cv::Mat tile;
    try {
      tile = letterbox(decode_image(tiles[i].image_bytes, limits, nullptr, thumb.width), thumb);
    } catch (const ArtworkError&) {
      tile = cv::Mat(thumb, CV_8UC3, kPaper);
      label(tile, "image unavailable", cv::Point(10, 90), 0.6, kUnknown);
    }
    tile.copyTo(sheet(cv::Rect(origin, thumb)));
    int y = origin.y + thumb.height + 18;
    label(sheet, tiles[i].heading, cv::Point(origin.x, y), 0.5, kInk, 1);
    for (const auto& line : tiles[i].lines) {
      y += 18;
      if (y > origin.y + thumb.height + caption) break;
      label(sheet, line, cv::Point(origin.x, y), 0.42, cv::Scalar(200, 200, 200));
    }
  }
  return png(sheet);
}

}  // namespace keyart::artwork
