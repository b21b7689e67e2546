#!/usr/bin/env bash
# Obtains the face descriptor model that keyart's artwork module needs and
# that is too large for git: npm package @vladmandic/face-api 1.7.15 (MIT;
# dlib's public-domain ResNet weights), converted to ONNX by
# scripts/convert_face_descriptor.py. Both the downloaded files and the
# converted model are checked against pinned SHA-256 sums. Safe to run again:
# does nothing when the model is already in place.
#
# Output folder: $KEYART_MODELS_CACHE, else <repo>/models-cache (git-ignored).
# The small models (YuNet face detector) are in the repository: artwork/models.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KEYART_MODELS_CACHE:-$here/models-cache}"
python=/usr/bin/python3   # Debian's, with python3-numpy and python3-onnx

package="@vladmandic/face-api@1.7.15"
bin_sha=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
manifest_sha=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
model=face_descriptor_faceapi_resnet128.onnx
model_sha=e229b79180642fa9e1d618ac3880677628c883ab7db3f9f21b7c53921f793f7f
sources="$cache/faceapi-1.7.15"

sha_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

if sha_ok "$cache/$model" "$model_sha"; then
  exit 0
fi
mkdir -p "$sources"

if ! sha_ok "$sources/face_recognition_model.bin" "$bin_sha" ||
   ! sha_ok "$sources/face_recognition_model-weights_manifest.json" "$manifest_sha"; then
  echo "fetch_models: downloading $package from the npm registry"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$work"/vladmandic-face-api-1.7.15.tgz -C "$work" \
    package/model/face_recognition_model.bin \
    package/model/face_recognition_model-weights_manifest.json package/LICENSE
  cp "$work"/package/model/face_recognition_model.bin \
     "$work"/package/model/face_recognition_model-weights_manifest.json "$sources/"
  cp "$work"/package/LICENSE "$sources/LICENSE"
fi
sha_ok "$sources/face_recognition_model.bin" "$bin_sha" ||
  { echo "fetch_models: error: $sources/face_recognition_model.bin has the wrong SHA-256" >&2; exit 1; }
sha_ok "$sources/face_recognition_model-weights_manifest.json" "$manifest_sha" ||
  { echo "fetch_models: error: the weights manifest has the wrong SHA-256" >&2; exit 1; }

echo "fetch_models: converting the face descriptor to $cache/$model"
"$python" "$here/scripts/convert_face_descriptor.py" \
  "$sources/face_recognition_model-weights_manifest.json" \
  "$sources/face_recognition_model.bin" "$cache/$model.tmp"
if ! sha_ok "$cache/$model.tmp" "$model_sha"; then
  rm -f "$cache/$model.tmp"
  echo "fetch_models: error: the converted model differs from the expected one (SHA-256);" \
       "is python3-onnx 1.12 (Debian 12) installed?" >&2
  exit 1
fi
mv "$cache/$model.tmp" "$cache/$model"
echo "fetch_models: $model ready"
