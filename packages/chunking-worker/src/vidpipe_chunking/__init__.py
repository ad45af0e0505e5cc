"""vidpipe_chunking: the chunking-worker.

Consumes S3 upload events for `input/...`, creates each upload's job, validates the video and
splits it into keyframe-aligned segments that the video-worker picks up. Its import worker
(`vidpipe-import-worker`) fetches the HTTP API's URL jobs into `input/` first.
"""

from vidpipe_chunking.handler import STAGE, ChunkingHandler, human_size
from vidpipe_chunking.import_settings import ImportSettings
from vidpipe_chunking.importer import ImportHandler
from vidpipe_chunking.settings import ChunkingSettings
from vidpipe_chunking.splitter import FfmpegSplitter, Splitter

__all__ = [
    "STAGE",
    "ChunkingHandler",
    "ChunkingSettings",
    "FfmpegSplitter",
    "ImportHandler",
    "ImportSettings",
    "Splitter",
    "human_size",
]
