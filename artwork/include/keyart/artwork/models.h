// Where the artwork module finds its model files. The search path, in order:
//   1. every folder in $KEYART_MODELS (colon-separated), when set;
//   2. the folders configured at build time: <source>/artwork/models (the
//      small models shipped in git) and <source>/models-cache (what
//      scripts/fetch_models.sh downloads and converts);
//   3. $XDG_CACHE_HOME/keyart/models, else ~/.cache/keyart/models.
// The first folder holding the file wins.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

namespace keyart::artwork {

// YuNet 2022mar face detector (libfacedetection.train, MIT), in git.
inline constexpr const char* kFaceDetectorFile = "face_detection_yunet_2022mar.onnx";
// dlib's ResNet face descriptor via face-api 1.7.15, converted by
// scripts/convert_face_descriptor.py (fetched at set-up, not in git).
inline constexpr const char* kFaceDescriptorFile = "face_descriptor_faceapi_resnet128.onnx";
// The name stored beside every descriptor in the ledger; descriptors made by
// another model are never compared with this one's.
inline constexpr const char* kFaceDescriptorModel = "faceapi-resnet128@1.7.15";

std::vector<std::filesystem::path> model_search_path();

// The full path of file_name in the search path; throws ArtworkError
// kModelMissing naming the folders searched and the fix.
std::filesystem::path find_model(std::string_view file_name);

}  // namespace keyart::artwork
