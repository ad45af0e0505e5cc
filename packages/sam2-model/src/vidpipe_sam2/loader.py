"""Building SAM2's video predictor from settings: config, checkpoint, image size, device."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from vidpipe_sam2.errors import Sam2LoadError
from vidpipe_torch_compat import ensure_torchvision

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_sam2.settings import Sam2Settings
    from vidpipe_sam2.tracker import VideoPredictor

logger = logging.getLogger(__name__)


def choose_device(wanted: str) -> str:
    """`cuda` when asked for, or for `auto` when a CUDA device is present; else `cpu`."""
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cuda" and not torch.cuda.is_available():
        raise Sam2LoadError("SAM2_DEVICE=cuda but torch sees no CUDA device")
    return wanted


def build_predictor(settings: Sam2Settings, checkpoint: Path | None) -> tuple[VideoPredictor, str]:
    """The video predictor and the device it runs on, with the weights of the local file
    ``checkpoint`` (SAM2_CHECKPOINT, fetched from S3 first when it is an S3 URI). Refuses to
    run without a checkpoint unless SAM2_ALLOW_RANDOM_INIT is set (tests and the local demo):
    random weights give masks of no meaning."""
    if checkpoint is None and not settings.allow_random_init:
        raise Sam2LoadError(
            "SAM2_CHECKPOINT is not set: point it at a SAM 2.1 checkpoint matching SAM2_CONFIG"
            " (or set SAM2_ALLOW_RANDOM_INIT=1 for a test run with meaningless masks)"
        )
    if checkpoint is not None and not checkpoint.is_file():
        raise Sam2LoadError(f"SAM2_CHECKPOINT {checkpoint} is not a file")
    device = choose_device(settings.device)
    ensure_torchvision()
    builder: Any = importlib.import_module("sam2.build_sam").build_sam2_video_predictor
    _silence_progress_bars()
    overrides: list[str] = []
    if settings.image_size is not None:
        overrides.append(f"++model.image_size={settings.image_size}")
    try:
        predictor: VideoPredictor = builder(
            settings.config,
            str(checkpoint) if checkpoint is not None else None,
            device=device,
            hydra_overrides_extra=overrides,
        )
    except Exception as exc:  # hydra, torch.load and state_dict errors alike
        raise Sam2LoadError(f"cannot build SAM2 from {settings.config}: {exc}") from exc
    if not _has_extension():
        # Hole filling needs sam2's optional compiled extension (`sam2._C`), which a build
        # with SAM2_BUILD_CUDA=0 leaves out: without it sam2 warns on every frame and fills
        # nothing. (The builder sets the area after any override we could pass.)
        predictor_any: Any = predictor
        predictor_any.fill_hole_area = 0
    if checkpoint is None:
        logger.warning(
            "SAM2 IS RUNNING WITH RANDOM WEIGHTS (SAM2_ALLOW_RANDOM_INIT=1, no SAM2_CHECKPOINT):"
            " its masks mean nothing; never use this in production"
        )
    return predictor, device


def _has_extension() -> bool:
    try:
        importlib.import_module("sam2._C")
    except ImportError:
        return False
    return True


def _silence_progress_bars() -> None:
    # sam2 draws a tqdm bar for every window it loads and tracks: on a worker that is two
    # lines of terminal control codes per window in the logs. Its modules bind `tqdm` by name.
    for name in ("sam2.utils.misc", "sam2.sam2_video_predictor"):
        module: Any = importlib.import_module(name)
        module.tqdm = _no_progress_bar


def _no_progress_bar(iterable: Any, *args: Any, **kwargs: Any) -> Any:
    return iterable
