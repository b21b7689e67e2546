#!/usr/bin/python3
"""Converts face-api's 128-d face descriptor (a TF.js port of dlib's ResNet
face-recognition model, npm @vladmandic/face-api) into a plain fp32 ONNX graph
that OpenCV 4.6's cv::dnn reads.

Usage: convert_face_descriptor.py [--layout faceapi|shared-reference] MANIFEST.json WEIGHTS.bin OUT.onnx

Input of the produced graph: "input", 1x3x150x150, RGB, (pixel - mean) / 255
with mean = (122.782, 117.001, 104.298); output "descriptor", 1x128.
The network (face-api src/faceRecognitionNet): conv 7x7/2 'valid' + ReLU,
max-pool 3x3/2, residual blocks (conv-ReLU-conv, add, ReLU), down blocks
(conv 3x3/2 'valid' ... plus an average-pooled 2x2/2 shortcut widened with
zero channels), global mean, 256x128 matrix. Each conv is followed by a
per-channel scale (x*w + b); here it is folded into the conv's weights.
Needs Debian's python3-numpy and python3-onnx.

Where a down block's conv branch is one pixel smaller than its shortcut
(8 -> 3 vs 4, 4 -> 1 vs 2), face-api (like dlib's add_prev) pads the branch's
*output* with a zero row and column: that is the default layout "faceapi".
The reference ONNX in the project's shared data pads the second conv's
*input* instead; "--layout shared-reference" reproduces that graph so a test
can show that both conversions decode the same weights.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def load_weights(manifest_path, bin_path):
    """Returns {name: float32 array} from a TF.js weights manifest + .bin."""
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    with open(bin_path, "rb") as f:
        data = f.read()
    tensors, offset = {}, 0
    for group in manifest:
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            quant = spec.get("quantization")
            if quant:
                if quant["dtype"] != "uint8":
                    raise SystemExit("unsupported quantisation " + quant["dtype"])
                raw = np.frombuffer(data, np.uint8, count, offset)
                offset += count
                values = raw.astype(np.float64) * quant["scale"] + quant["min"]
            elif spec["dtype"] == "float32":
                values = np.frombuffer(data, "<f4", count, offset).astype(np.float64)
                offset += 4 * count
            else:
                raise SystemExit("unsupported dtype " + spec["dtype"])
            tensors[spec["name"]] = values.reshape(spec["shape"])
    if offset != len(data):
        raise SystemExit(f"weights file has {len(data)} bytes, manifest describes {offset}")
    return tensors


class GraphBuilder:
    def __init__(self, weights, pad_before_second_conv):
        self.w = weights
        self.pad_before_second_conv = pad_before_second_conv
        self.nodes, self.inits = [], []
        self.count = 0

    def name(self, kind):
        self.count += 1
        return f"{kind}_{self.count}"

    def const(self, kind, array):
        n = self.name(kind)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array, np.float32), n))
        return n

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x, prefix, stride, same, relu):
        """TF conv + bias, then scale (x*w + b), folded into one Conv."""
        filters = self.w[prefix + "/conv/filters"]            # kh, kw, in, out
        bias = self.w[prefix + "/conv/bias"]
        scale_w = self.w[prefix + "/scale/weights"]
        scale_b = self.w[prefix + "/scale/biases"]
        kernel = np.transpose(filters, (3, 2, 0, 1)) * scale_w[:, None, None, None]
        folded_bias = bias * scale_w + scale_b
        k = filters.shape[0]
        pad = (k - 1) // 2 if same else 0
        out = self.node("Conv", [x, self.const("w", kernel), self.const("b", folded_bias)],
                        kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        return self.node("Relu", [out]) if relu else out

    def residual(self, x, prefix):
        out = self.conv(x, prefix + "/conv1", 1, True, True)
        out = self.conv(out, prefix + "/conv2", 1, True, False)
        return self.node("Relu", [self.node("Add", [out, x])])

    def residual_down(self, x, prefix, in_channels, size):
        conv_size = (size - 3) // 2 + 1
        pooled_size = size // 2
        # TF concatenates one zero row (bottom) and one zero column (right).
        bottom_right = dict(mode="constant", value=0.0, pads=[0, 0, 0, 0, 0, 0, 1, 1])
        out = self.conv(x, prefix + "/conv1", 2, False, True)
        if conv_size != pooled_size and self.pad_before_second_conv:
            out = self.node("Pad", [out], **bottom_right)
        out = self.conv(out, prefix + "/conv2", 1, True, False)
        if conv_size != pooled_size and not self.pad_before_second_conv:
            out = self.node("Pad", [out], **bottom_right)
        out_channels = self.w[prefix + "/conv1/conv/filters"].shape[3]
        pooled = self.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        if out_channels != in_channels:
            # The shortcut gets zero channels appended: a 1x1 conv with [I; 0].
            eye = np.zeros((out_channels, in_channels, 1, 1))
            eye[np.arange(in_channels), np.arange(in_channels), 0, 0] = 1.0
            pooled = self.node("Conv", [pooled, self.const("widen", eye)],
                               kernel_shape=[1, 1], strides=[1, 1], pads=[0, 0, 0, 0])
        out = self.node("Relu", [self.node("Add", [out, pooled])])
        return out, out_channels, pooled_size


def build(weights, layout="faceapi"):
    if layout not in ("faceapi", "shared-reference"):
        raise SystemExit("--layout must be faceapi or shared-reference")
    g = GraphBuilder(weights, layout == "shared-reference")
    x = g.conv("input", "conv32_down", 2, False, True)            # 150 -> 72
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])  # 72 -> 35
    channels, size = 32, 35
    for block in ("conv32_1", "conv32_2", "conv32_3"):
        x = g.residual(x, block)
    for down, blocks in (("conv64_down", ("conv64_1", "conv64_2", "conv64_3")),
                         ("conv128_down", ("conv128_1", "conv128_2")),
                         ("conv256_down", ("conv256_1", "conv256_2"))):
        x, channels, size = g.residual_down(x, down, channels, size)
        for block in blocks:
            x = g.residual(x, block)
    x, channels, size = g.residual_down(x, "conv256_down_out", channels, size)
    x = g.node("GlobalAveragePool", [x])
    x = g.node("Flatten", [x], axis=1)
    fc = weights["fc"]                                             # 256 x 128
    g.nodes.append(helper.make_node(
        "Gemm", [x, g.const("fc_w", fc.T), g.const("fc_b", np.zeros(fc.shape[1]))],
        ["descriptor"], transB=1))
    graph = helper.make_graph(
        g.nodes, "faceapi_resnet_descriptor",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 150, 150])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, [1, 128])],
        g.inits)
    model = helper.make_model(graph, producer_name="keyart convert_face_descriptor.py",
                              opset_imports=[helper.make_opsetid("", 10)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model


def main(argv):
    args = argv[1:]
    layout = "faceapi"
    if len(args) >= 2 and args[0] == "--layout":
        layout, args = args[1], args[2:]
    if len(args) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    model = build(load_weights(args[0], args[1]), layout)
    with open(args[2], "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main(sys.argv)
