#!/usr/bin/python3
"""A plain numpy port of face-api's FaceRecognitionNet.forwardInput (from its
TypeScript source: convLayer.ts, residualLayer.ts, FaceRecognitionNet.ts),
independent of any ONNX graph. It checks scripts/convert_face_descriptor.py:
tests/artwork compare the converted ONNX model, run by OpenCV, with the
descriptor this script computes for the same synthetic input.

Usage: faceapi_reference_forward.py MANIFEST.json WEIGHTS.bin > expected.json
The input is a 150x150 RGB pattern: pixel(x, y, c) = (7x + 13y + 50c) mod 256.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_face_descriptor import load_weights  # noqa: E402


def synthetic_input():
    y, x = np.mgrid[0:150, 0:150]
    return np.stack([(7 * x + 13 * y + 50 * c) % 256 for c in range(3)], axis=2).astype(np.float64)


class FaceApiForward:
    def __init__(self, weights):
        self.w = weights

    @staticmethod
    def conv2d(x, filters, stride, same):
        kh, kw, ci, co = filters.shape
        if same:  # TF 'same' for odd kernels at stride 1: symmetric padding
            p = (kh - 1) // 2
            x = np.pad(x, ((p, p), (p, p), (0, 0)))
        h, w, _ = x.shape
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
        cols = np.empty((oh, ow, kh, kw, ci))
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j, :] = x[i:i + stride * oh:stride, j:j + stride * ow:stride, :]
        return (cols.reshape(oh * ow, -1) @ filters.reshape(-1, co)).reshape(oh, ow, co)

    def conv_layer(self, x, prefix, stride, relu, same=True):
        out = self.conv2d(x, self.w[prefix + "/conv/filters"], stride, same)
        out = out + self.w[prefix + "/conv/bias"]
        out = out * self.w[prefix + "/scale/weights"] + self.w[prefix + "/scale/biases"]
        return np.maximum(out, 0) if relu else out

    @staticmethod
    def pool(x, k, s, reduce):
        oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
        windows = [x[i:i + s * oh:s, j:j + s * ow:s] for i in range(k) for j in range(k)]
        return reduce(np.stack(windows), axis=0)

    def residual(self, x, prefix):
        out = self.conv_layer(x, prefix + "/conv1", 1, True)
        out = self.conv_layer(out, prefix + "/conv2", 1, False)
        return np.maximum(out + x, 0)

    def residual_down(self, x, prefix):
        out = self.conv_layer(x, prefix + "/conv1", 2, True, same=False)
        out = self.conv_layer(out, prefix + "/conv2", 1, False)
        pooled = self.pool(x, 2, 2, np.mean)
        if pooled.shape[:2] != out.shape[:2]:
            out = np.pad(out, ((0, 1), (0, 1), (0, 0)))
        if pooled.shape[2] != out.shape[2]:
            pooled = np.concatenate([pooled, np.zeros_like(pooled)], axis=2)
        return np.maximum(out + pooled, 0)

    def __call__(self, rgb):
        x = (rgb - np.array([122.782, 117.001, 104.298])) / 255.0
        x = self.conv_layer(x, "conv32_down", 2, True, same=False)
        x = self.pool(x, 3, 2, np.max)
        for b in ("conv32_1", "conv32_2", "conv32_3"):
            x = self.residual(x, b)
        x = self.residual_down(x, "conv64_down")
        for b in ("conv64_1", "conv64_2", "conv64_3"):
            x = self.residual(x, b)
        x = self.residual_down(x, "conv128_down")
        for b in ("conv128_1", "conv128_2"):
            x = self.residual(x, b)
        x = self.residual_down(x, "conv256_down")
        for b in ("conv256_1", "conv256_2"):
            x = self.residual(x, b)
        x = self.residual_down(x, "conv256_down_out")
        return x.mean(axis=(0, 1)) @ self.w["fc"]


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    descriptor = FaceApiForward(load_weights(argv[1], argv[2]))(synthetic_input())
    json.dump({"input": "pixel(x, y, c) = (7x + 13y + 50c) mod 256, RGB, 150x150",
               "command": "scripts/faceapi_reference_forward.py models-cache/faceapi-1.7.15/"
                          "face_recognition_model-weights_manifest.json "
                          "models-cache/faceapi-1.7.15/face_recognition_model.bin",
               "descriptor": [round(float(v), 7) for v in descriptor]}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
