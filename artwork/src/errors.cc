#include "keyart/artwork/errors.h"

namespace keyart::artwork {

const char* refusal_name(Refusal reason) {
  switch (reason) {
    case Refusal::kEmpty: return "empty";
    case Refusal::kNotAnImage: return "not_an_image";
    case Refusal::kUnsupportedFormat: return "unsupported_format";
    case Refusal::kTruncated: return "truncated";
    case Refusal::kTooLarge: return "too_large";
    case Refusal::kCorrupt: return "corrupt";
    case Refusal::kNoFace: return "no_face";
    case Refusal::kSeveralFaces: return "several_faces";
    case Refusal::kModelMissing: return "model_missing";
  }
  return "unknown";
}

}  // namespace keyart::artwork
