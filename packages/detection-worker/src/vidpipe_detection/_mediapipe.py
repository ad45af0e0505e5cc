"""mediapipe's legacy `solutions` API (the one whose models ship in the wheel), imported once.

Importing it logs through absl and warns about protobuf details; those lines say nothing about
vidpipe's run, so they are kept out of the worker's output and out of test warnings.
"""

from __future__ import annotations

import importlib
import os
import warnings
from functools import cache
from typing import Any


@cache
def solutions() -> Any:
    # Before the import: TensorFlow Lite and glog read it once.
    os.environ.setdefault("GLOG_minloglevel", "2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        # mediapipe ships no type information: it is used through `Any`.
        mediapipe = importlib.import_module("mediapipe")
    return mediapipe.solutions
