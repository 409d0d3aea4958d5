"""MediaPipe's SSD-MobileNetV2 OIDv4 detector (fp16 TFLite) run with LiteRT (`ai-edge-litert`).

Settings from MediaPipe's object_detection_oid_v4_cpu.pbtxt: RGB stretched to 300x300 and scaled
to [-1, 1]; 1917 SSD anchors (6 layers, strides 16..512, scales 0.2..0.95, aspect ratios 1, 2,
1/2, 3, 1/3 and an interpolated scale; the lowest layer reduced to three); box encodings
(ty, tx, th, tw) decoded with scales 10/10/5/5; sigmoid scores; per-class non-maximum suppression.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from watchd.vision.detectors.base import Detection, DetectorError, ObjectClass, Picture
from watchd.vision.detectors.model import OIDV4, load_model

SIZE = 300
# The model's 24 labels in output order (the package's object_detection_oidv4_labelmap.txt).
LABELS = (
    "???",
    "Bicycle",
    "Boot",
    "Laptop",
    "Person",
    "Chair",
    "Cattle",
    "Desk",
    "Cat",
    "Computer mouse",
    "Computer monitor",
    "Box",
    "Mug",
    "Coffee cup",
    "Stationary bicycle",
    "Table",
    "Bottle",
    "High heels",
    "Vehicle",
    "Footwear",
    "Dog",
    "Book",
    "Camera",
    "Car",
)
# Footwear, Boot and High heels fire on people's feet: ignored, like every indoor label.
CLASS_OF: dict[str, ObjectClass] = {
    "Person": "person",
    "Car": "vehicle",
    "Vehicle": "vehicle",
    "Bicycle": "vehicle",
    "Dog": "animal",
    "Cat": "animal",
    "Cattle": "animal",
}
KEPT = np.array([i for i, label in enumerate(LABELS) if label in CLASS_OF])
NMS_IOU = 0.45


def _scale(i: int, n: int, lo: float = 0.2, hi: float = 0.95) -> float:
    return lo + (hi - lo) * i / (n - 1)


def anchors() -> npt.NDArray[np.float32]:
    """MediaPipe's SsdAnchorsCalculator for this model: rows (yc, xc, h, w), 1917 of them."""
    strides = (16, 32, 64, 128, 256, 512)
    rows: list[tuple[float, float, float, float]] = []
    for layer, stride in enumerate(strides):
        scale = _scale(layer, len(strides))
        if layer == 0:
            shapes = [(0.1, 1.0), (scale, 2.0), (scale, 0.5)]
        else:
            nxt = 1.0 if layer == len(strides) - 1 else _scale(layer + 1, len(strides))
            shapes = [(scale, r) for r in (1.0, 2.0, 0.5, 3.0, 1 / 3)] + [(math.sqrt(scale * nxt), 1.0)]
        fm = math.ceil(SIZE / stride)
        for y in range(fm):
            for x in range(fm):
                for s, r in shapes:
                    rows.append(((y + 0.5) / fm, (x + 0.5) / fm, s / math.sqrt(r), s * math.sqrt(r)))
    return np.array(rows, dtype=np.float32)


class OidV4Detector:
    """Person; Car, Vehicle, Bicycle -> vehicle; Dog, Cat, Cattle -> animal (no horse, sheep or bird)."""

    name = "oidv4"
    classes: tuple[ObjectClass, ...] = ("person", "vehicle", "animal")

    def __init__(self, *, threshold: float = 0.4, model_dir: Path | None = None, threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise DetectorError(f"LiteRT is not installed (ai-edge-litert): {exc}") from exc
        try:
            model = load_model(OIDV4, model_dir)
        except (OSError, ValueError) as exc:
            raise DetectorError(str(exc)) from exc
        self.threshold = threshold
        self._interp: Any = Interpreter(model_content=model, num_threads=threads)
        self._interp.allocate_tensors()
        self._input = self._interp.get_input_details()[0]["index"]
        outputs = {tuple(d["shape"])[-1]: d["index"] for d in self._interp.get_output_details()}
        self._boxes_out, self._scores_out = outputs[4], outputs[len(LABELS)]
        self._anchors = anchors()

    def detect(self, picture: Picture) -> list[Detection]:
        rgb = cv2.cvtColor(cv2.resize(picture, (SIZE, SIZE), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        tensor = (rgb.astype(np.float32) / 127.5 - 1.0)[None]
        try:
            self._interp.set_tensor(self._input, tensor)
            self._interp.invoke()
            raw = self._interp.get_tensor(self._boxes_out)[0]
            logits = self._interp.get_tensor(self._scores_out)[0]
        except (RuntimeError, ValueError) as exc:
            raise DetectorError(f"inference failed: {exc}") from exc
        scores = 1.0 / (1.0 + np.exp(-logits[:, KEPT]))
        best = scores.max(axis=1)
        hits = np.nonzero(best >= self.threshold)[0]
        if hits.size == 0:
            return []
        a = self._anchors[hits]
        r = raw[hits]
        yc = r[:, 0] / 10 * a[:, 2] + a[:, 0]
        xc = r[:, 1] / 10 * a[:, 3] + a[:, 1]
        h = np.exp(r[:, 2] / 5) * a[:, 2]
        w = np.exp(r[:, 3] / 5) * a[:, 3]
        corners = (
            np.stack([xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2], axis=1).clip(0, 1).astype(np.float32)
        )
        out: list[Detection] = []
        for col, label_index in enumerate(KEPT):
            mine = np.nonzero(scores[hits, col] >= self.threshold)[0]
            if mine.size == 0:
                continue
            label = LABELS[int(label_index)]
            xywh = [(float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])) for b in corners[mine]]
            for k in np.asarray(
                cv2.dnn.NMSBoxes(xywh, scores[hits[mine], col].tolist(), self.threshold, NMS_IOU)
            ).ravel():
                x0, y0, x1, y1 = (float(v) for v in corners[mine[k]])
                out.append(
                    Detection(
                        CLASS_OF[label], float(scores[hits[mine[k]], col]), (x0, y0, x1 - x0, y1 - y0), label
                    )
                )
        out.sort(key=lambda d: -d.score)
        return out
