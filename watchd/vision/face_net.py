"""dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat) run with numpy.

The network is the one of dlib/examples/dnn_face_recognition_ex.cpp: a 29-layer ResNet over a
150x150 RGB face chip, giving a 128-d descriptor. dlib-bin's build has no BLAS and holds the GIL
for ~75 ms per face; the same arithmetic as numpy float32 GEMMs (OpenBLAS) takes ~15 ms on one
core and releases the GIL. Encodings equal dlib's to ~1e-6 (tests/watchd/vision/test_face_net.py).

The file is dlib's serialization of the network type, outermost layer first: every layer wrapper
writes its version, then its sub-network, then (on the way back out) its own details. So the
file holds all the versions from the loss layer down to the input layer, then the layers' details
from the innermost outwards. The architecture below mirrors the C++ template aliases; parsing
checks every version, name, hyper-parameter and tensor shape against it and fails loudly
(ModelFormatError) on anything else. Parsing takes ~30 ms (the tensors are raw float32), so the
weights need no cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from watchd.vision.dlib_serial import DlibReader, ModelFormatError

__all__ = ["CHIP_SIZE", "FaceNet", "ModelFormatError", "load_face_net", "parse_face_net"]

CHIP_SIZE: Final = 150
DESCRIPTOR_SIZE: Final = 128
Float32Array = npt.NDArray[np.float32]


# --- the architecture, outermost wrapper first (as the file lists the versions) -----------------


@dataclass(frozen=True, slots=True)
class _Con:
    filters: int
    kernel: int
    stride: int


@dataclass(frozen=True, slots=True)
class _Affine:
    pass


@dataclass(frozen=True, slots=True)
class _Relu:
    pass


@dataclass(frozen=True, slots=True)
class _Pool:
    name: str  # "max_pool_2" or "avg_pool_2"
    size: int  # 0: the whole input (avg_pool_everything)
    stride: int


@dataclass(frozen=True, slots=True)
class _AddPrev:
    tag: int


@dataclass(frozen=True, slots=True)
class _Fc:
    outputs: int


@dataclass(frozen=True, slots=True)
class _Tag:
    id: int


@dataclass(frozen=True, slots=True)
class _Skip:
    id: int


_Layer = _Con | _Affine | _Relu | _Pool | _AddPrev | _Fc
_Wrapper = _Layer | _Tag | _Skip


def _block(filters: int, stride: int) -> list[_Wrapper]:
    # block<N,affine,stride,SUB> = affine<con<N,3,3,1,1,relu<affine<con<N,3,3,stride,stride,SUB>>>>>
    return [_Affine(), _Con(filters, 3, 1), _Relu(), _Affine(), _Con(filters, 3, stride)]


def _ares(filters: int) -> list[_Wrapper]:
    # relu<add_prev1<block<N,affine,1,tag1<SUB>>>>
    return [_Relu(), _AddPrev(1), *_block(filters, 1), _Tag(1)]


def _ares_down(filters: int) -> list[_Wrapper]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUB>>>>>>>
    return [_Relu(), _AddPrev(2), _Pool("avg_pool_2", 2, 2), _Skip(1), _Tag(2), *_block(filters, 2), _Tag(1)]


ARCHITECTURE: Final[tuple[_Wrapper, ...]] = (
    _Fc(DESCRIPTOR_SIZE),
    _Pool("avg_pool_2", 0, 1),
    *_ares_down(256),
    *_ares(256), *_ares(256), *_ares_down(256),
    *_ares(128), *_ares(128), *_ares_down(128),
    *_ares(64), *_ares(64), *_ares(64), *_ares_down(64),
    *_ares(32), *_ares(32), *_ares(32),
    _Pool("max_pool_2", 3, 2), _Relu(), _Affine(), _Con(32, 7, 2),
)


# --- the operations of the forward pass, innermost first -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Conv:
    """A convolution followed by its affine (test-time batch norm), folded into one GEMM."""

    weights: Float32Array  # (kernel * kernel * in_channels, filters), rows in (y, x, channel) order
    bias: Float32Array  # (filters,)
    kernel: int
    stride: int
    padding: int


@dataclass(frozen=True, slots=True)
class _Dense:
    weights: Float32Array  # (inputs, outputs)


_Op = _Conv | _Relu | _Pool | _AddPrev | _Tag | _Skip | _Dense


class FaceNet:
    """The parsed network. describe() is a pure function of its input, safe across threads."""

    def __init__(self, ops: tuple[_Op, ...], means: Float32Array) -> None:
        self._ops = ops
        self._means = means

    def describe(self, chips: npt.NDArray[np.uint8]) -> Float32Array:
        """128-d descriptors, shape (N, 128), of N aligned face chips, shape (N, 150, 150, 3) RGB."""
        if chips.dtype != np.uint8 or chips.ndim != 4 or chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(
                f"expected (N, {CHIP_SIZE}, {CHIP_SIZE}, 3) uint8 face chips, got {chips.dtype} {chips.shape}"
            )
        # input_rgb_image: (pixel - channel mean) / 256, in float32 as dlib does. Layout NHWC.
        x: Float32Array = (chips.astype(np.float32) - self._means) / np.float32(256.0)
        tags: dict[int, Float32Array] = {}
        for op in self._ops:
            if isinstance(op, _Conv):
                x = _convolve(x, op)
            elif isinstance(op, _Relu):
                x = np.maximum(x, np.float32(0.0))
            elif isinstance(op, _Tag):
                tags[op.id] = x
            elif isinstance(op, _Skip):
                x = tags[op.id]
            elif isinstance(op, _AddPrev):
                x = _add_padded(x, tags[op.tag])
            elif isinstance(op, _Pool):
                x = _pool(x, op)
            else:  # dlib flattens in (channel, row, column) order
                x = x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1) @ op.weights
        return x


def _convolve(x: Float32Array, op: _Conv) -> Float32Array:
    if op.padding:
        p = op.padding
        x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    windows = sliding_window_view(x, (op.kernel, op.kernel), axis=(1, 2))[:, :: op.stride, :: op.stride]
    n, rows, cols = windows.shape[:3]
    patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * rows * cols, -1)  # im2col
    out = patches @ op.weights
    out += op.bias
    return out.reshape(n, rows, cols, -1)


def _add_padded(x: Float32Array, y: Float32Array) -> Float32Array:
    """dlib's add_prev: the sum where both exist, each input zero-padded at the end of every dimension."""
    if x.shape == y.shape:
        return x + y
    out = np.zeros(tuple(max(a, b) for a, b in zip(x.shape, y.shape, strict=True)), dtype=np.float32)
    out[: x.shape[0], : x.shape[1], : x.shape[2], : x.shape[3]] += x
    out[: y.shape[0], : y.shape[1], : y.shape[2], : y.shape[3]] += y
    return out


def _pool(x: Float32Array, op: _Pool) -> Float32Array:
    if op.size == 0:
        return np.asarray(x.mean(axis=(1, 2), keepdims=True, dtype=np.float32))
    windows = sliding_window_view(x, (op.size, op.size), axis=(1, 2))[:, :: op.stride, :: op.stride]
    if op.name == "max_pool_2":
        return np.asarray(windows.max(axis=(4, 5)))
    return np.asarray(windows.mean(axis=(4, 5), dtype=np.float32))


# --- parsing ------------------------------------------------------------------------------------


def load_face_net(path: Path) -> FaceNet:
    """Read and check a dlib_face_recognition_resnet_model_v1.dat file (~30 ms)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot read the face model: {exc.strerror or exc}") from exc
    return parse_face_net(data, str(path))


def parse_face_net(data: bytes, source: str) -> FaceNet:
    reader = DlibReader(data, source)
    reader.expect_integer((1,), "add_loss_layer version")
    reader.expect_text("loss_metric_2", "loss layer")
    reader.real("loss_metric margin")
    reader.real("loss_metric distance threshold")
    versions = []
    for depth, wrapper in enumerate(ARCHITECTURE):
        innermost = depth == len(ARCHITECTURE) - 1
        if isinstance(wrapper, _Tag | _Skip):
            versions.append(reader.expect_integer((1,), f"layer {depth} ({_name(wrapper)}) version"))
        else:
            allowed = (2, 3) if innermost else (1, 2)
            versions.append(reader.expect_integer(allowed, f"layer {depth} ({_name(wrapper)}) version"))
    reader.expect_text("input_rgb_image_sized", "input layer")
    means = np.array([reader.real(f"input mean of {c}") for c in ("red", "green", "blue")], dtype=np.float32)
    for what in ("input rows", "input columns"):
        start = reader.offset
        if (size := reader.count(what)) != CHIP_SIZE:
            raise reader.error(f"{what}: expected {CHIP_SIZE}, found {size}", start)
    builder = _Builder(reader)
    for depth in range(len(ARCHITECTURE) - 1, -1, -1):
        wrapper = ARCHITECTURE[depth]
        if isinstance(wrapper, _Tag | _Skip):
            builder.wrapper(wrapper)
            continue
        builder.layer(wrapper, f"layer {depth} ({_name(wrapper)})")
        _skip_layer_state(reader, f"layer {depth}", versions[depth], innermost=depth == len(ARCHITECTURE) - 1)
    reader.expect_end()
    if builder.shape != (DESCRIPTOR_SIZE, 1, 1):
        raise reader.error(f"the network gives {builder.shape}, not a {DESCRIPTOR_SIZE}-d descriptor")
    return FaceNet(tuple(builder.ops), means)


def _name(wrapper: _Wrapper) -> str:
    return type(wrapper).__name__.strip("_").lower()


def _skip_layer_state(reader: DlibReader, what: str, version: int, *, innermost: bool) -> None:
    """add_layer's training state after the details: three flags and gradient/output tensors."""
    for flag in ("setup called", "gradient input stale", "output disabled"):
        reader.flag(f"{what} {flag}")
    reader.tensor(f"{what} x_grad")
    reader.tensor(f"{what} cached_output")
    if innermost:
        reader.tensor(f"{what} grad_final")
        if version == 3:
            reader.count(f"{what} sample_expansion_factor")
    elif version == 2:
        reader.tensor(f"{what} params_grad")


class _Builder:
    """Reads each layer's details, innermost first, checking shapes as the data flows through."""

    def __init__(self, reader: DlibReader) -> None:
        self.reader = reader
        self.shape = (3, CHIP_SIZE, CHIP_SIZE)  # (channels, rows, columns) of the current output
        self.ops: list[_Op] = []
        self._tag_shapes: dict[int, tuple[int, int, int]] = {}

    def _check(self, found: object, expected: object, what: str, start: int) -> None:
        if found != expected:
            raise self.reader.error(f"{what}: expected {expected}, found {found}", start)

    def wrapper(self, wrapper: _Tag | _Skip) -> None:
        if isinstance(wrapper, _Tag):
            self._tag_shapes[wrapper.id] = self.shape
            self.ops.append(wrapper)
        else:
            self.shape = self._tag_shapes[wrapper.id]
            self.ops.append(wrapper)

    def layer(self, layer: _Layer, what: str) -> None:
        r = self.reader
        start = r.offset
        if isinstance(layer, _Con):
            r.expect_text("con_4", what)
            self._con(layer, what)
        elif isinstance(layer, _Affine):
            r.expect_text("affine_", what)
            self._affine(what, start)
        elif isinstance(layer, _Relu):
            r.expect_text("relu_", what)
            self.ops.append(layer)
        elif isinstance(layer, _Pool):
            r.expect_text(layer.name, what)
            self._pool(layer, what)
        elif isinstance(layer, _AddPrev):
            r.expect_text("add_prev_", what)
            other = self._tag_shapes[layer.tag]
            channels, rows, cols = (max(a, b) for a, b in zip(self.shape, other, strict=True))
            self.shape = (channels, rows, cols)
            self.ops.append(layer)
        else:
            r.expect_text("fc_2", what)
            self._fc(layer, what)

    def _con(self, layer: _Con, what: str) -> None:
        r = self.reader
        channels, rows, cols = self.shape
        start = r.offset
        params = r.tensor(f"{what} params")
        found = tuple(r.count(f"{what} {k}") for k in ("filters", "rows", "columns", "stride y", "stride x"))
        k, stride = layer.kernel, layer.stride
        self._check(found, (layer.filters, k, k, stride, stride), what, start)
        padding = (r.count(f"{what} padding y"), r.count(f"{what} padding x"))
        expected_padding = k // 2 if stride == 1 else 0  # dlib's default for con_
        self._check(padding, (expected_padding, expected_padding), f"{what} padding", start)
        self._check(r.alias_shape(f"{what} filters"), (layer.filters, channels, k, k), f"{what} filters", start)
        self._check(r.alias_shape(f"{what} biases"), (1, layer.filters, 1, 1), f"{what} biases", start)
        for multiplier in ("learning rate", "weight decay", "bias learning rate", "bias weight decay"):
            r.real(f"{what} {multiplier} multiplier")
        weight_count = layer.filters * channels * k * k
        self._check(params.size, weight_count + layer.filters, f"{what} parameter count", start)
        flat = params.reshape(-1)
        filters = flat[:weight_count].reshape(layer.filters, channels, k, k)
        weights = np.ascontiguousarray(filters.transpose(2, 3, 1, 0).reshape(k * k * channels, layer.filters))
        self.ops.append(_Conv(weights, flat[weight_count:].copy(), k, layer.stride, expected_padding))
        p = expected_padding
        self.shape = (layer.filters, 1 + (rows + 2 * p - k) // layer.stride, 1 + (cols + 2 * p - k) // layer.stride)

    def _affine(self, what: str, start: int) -> None:
        r = self.reader
        channels = self.shape[0]
        params = r.tensor(f"{what} params")
        self._check(r.alias_shape(f"{what} gamma"), (1, channels, 1, 1), f"{what} gamma", start)
        self._check(r.alias_shape(f"{what} beta"), (1, channels, 1, 1), f"{what} beta", start)
        self._check(r.integer(f"{what} mode"), 0, f"{what} mode (0: per channel)", start)
        self._check(params.size, 2 * channels, f"{what} parameter count", start)
        conv = self.ops[-1]
        if not isinstance(conv, _Conv):  # the architecture puts every affine right over a con
            raise r.error(f"{what}: not over a convolution", start)
        gamma, beta = params.reshape(2, channels)
        self.ops[-1] = _Conv(conv.weights * gamma, conv.bias * gamma + beta, conv.kernel, conv.stride, conv.padding)

    def _pool(self, layer: _Pool, what: str) -> None:
        r = self.reader
        start = r.offset
        found = tuple(r.count(f"{what} {k}") for k in ("rows", "columns", "stride y", "stride x", "padding y", "padding x"))
        size, stride = layer.size, layer.stride
        self._check(found, (size, size, stride, stride, 0, 0), what, start)
        channels, rows, cols = self.shape
        if size == 0:
            self.shape = (channels, 1, 1)
        else:
            self.shape = (channels, 1 + (rows - size) // stride, 1 + (cols - size) // stride)
        self.ops.append(layer)

    def _fc(self, layer: _Fc, what: str) -> None:
        r = self.reader
        start = r.offset
        inputs = self.shape[0] * self.shape[1] * self.shape[2]
        found = (r.count(f"{what} outputs"), r.count(f"{what} inputs"))
        self._check(found, (layer.outputs, inputs), what, start)
        params = r.tensor(f"{what} params")
        self._check(r.alias_shape(f"{what} weights"), (inputs, layer.outputs, 1, 1), f"{what} weights", start)
        self._check(r.alias_shape(f"{what} biases"), (0, 0, 0, 0), f"{what} biases", start)
        self._check(r.integer(f"{what} bias mode"), 1, f"{what} bias mode (1: no bias)", start)
        for multiplier in ("learning rate", "weight decay", "bias learning rate", "bias weight decay"):
            r.real(f"{what} {multiplier} multiplier")
        self._check(params.size, inputs * layer.outputs, f"{what} parameter count", start)
        self.ops.append(_Dense(np.ascontiguousarray(params.reshape(inputs, layer.outputs))))
        self.shape = (layer.outputs, 1, 1)
