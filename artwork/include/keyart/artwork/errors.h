// Errors raised by the artwork module. Every refusal of an input is an
// ArtworkError: reason() says what is wrong in one stable word (for summaries
// and tests) and what() is one line naming the problem and what to do. The
// module never lets an OpenCV exception escape: it becomes kCorrupt.
#pragma once

#include <stdexcept>
#include <string>

namespace keyart::artwork {

enum class Refusal {
  kEmpty,              // a file with no bytes
  kNotAnImage,         // bytes of no image format (text, PDF, ...)
  kUnsupportedFormat,  // an image format keyart does not take (GIF, TIFF, HEIC, ...)
  kTruncated,          // the file ends before the format's end marker
  kTooLarge,           // dimensions or size over the configured budget
  kCorrupt,            // the header parses but the image does not decode
  kNoFace,             // a headshot without a detectable face
  kSeveralFaces,       // a headshot with more than one face
  kModelMissing,       // a model file is not in the search path
};

// "empty", "not_an_image", "unsupported_format", "truncated", "too_large",
// "corrupt", "no_face", "several_faces", "model_missing".
const char* refusal_name(Refusal reason);

class ArtworkError : public std::runtime_error {
 public:
  ArtworkError(Refusal reason, const std::string& message)
      : std::runtime_error(message), reason_(reason) {}
  Refusal reason() const { return reason_; }

 private:
  Refusal reason_;
};

}  // namespace keyart::artwork
