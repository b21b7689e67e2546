// The style of an artwork, one of closeup / group / landscape / text_heavy /
// dark / bright, from what the extractor measured. Rules, first match wins:
//   closeup    a dominant face covering >= 6 % of the image;
//   group      two or more faces, together >= 5 % of the image;
//   text_heavy text boxes cover >= 4 % of the image;
//   dark       brightness (mean L*/100) < 0.25;
//   bright     brightness > 0.72;
//   closeup    one face (no dominant rule needed) >= 6 %;
//   landscape  anything else (no people, no title treatment to speak of).
// Faces come first because a viewer notices a person before the light.
#pragma once

#include <string>
#include <vector>

namespace keyart::artwork {

struct StyleInputs {
  int n_faces = 0;
  double face_area = 0;           // all faces / image
  double dominant_face_area = 0;  // 0 when there is no dominant face
  double largest_face_area = 0;
  double text_area = 0;
  double brightness = 0;
};

const std::vector<std::string>& style_names();
std::string classify_style(const StyleInputs& in);

}  // namespace keyart::artwork
