"""vidpipe_sam2: the `sam2` segment model, a plugin of the video-worker.

Installed beside `vidpipe-video-worker`, it registers itself through the
`vidpipe.segment_models` entry point; torch and sam2 are imported only when the model loads.
"""

from vidpipe_sam2.crops import CROP_SIZE, FrameScore, frame_share, mask_scores, square_crop
from vidpipe_sam2.errors import Sam2Error, Sam2LoadError
from vidpipe_sam2.gemini import BoxAnswer, GeminiBoxFinder, gemini_box_finder
from vidpipe_sam2.model import Sam2Model, create_model
from vidpipe_sam2.prompts import BoxFromText, Prompt, centre_prompt, resolve_prompt
from vidpipe_sam2.settings import DEFAULT_CONFIG, Sam2Settings
from vidpipe_sam2.tracker import TrackStats, VideoPredictor, WindowedTracker

__all__ = [
    "CROP_SIZE",
    "DEFAULT_CONFIG",
    "BoxAnswer",
    "BoxFromText",
    "FrameScore",
    "GeminiBoxFinder",
    "Prompt",
    "Sam2Error",
    "Sam2LoadError",
    "Sam2Model",
    "Sam2Settings",
    "TrackStats",
    "VideoPredictor",
    "WindowedTracker",
    "centre_prompt",
    "create_model",
    "frame_share",
    "gemini_box_finder",
    "mask_scores",
    "resolve_prompt",
    "square_crop",
]
