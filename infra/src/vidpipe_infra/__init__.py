"""vidpipe's deployable AWS stack, built with the AWS CDK from ``vidpipe_types.topology``."""

from vidpipe_infra.app import build_app, stack_name
from vidpipe_infra.config import ServiceSize, StackConfig
from vidpipe_infra.errors import ConfigError, InfraError
from vidpipe_infra.stack import VidpipeStack
from vidpipe_infra.workers import CORE_WORKERS, DETECTION, WorkerSpec, workers

__all__ = [
    "CORE_WORKERS",
    "DETECTION",
    "ConfigError",
    "InfraError",
    "ServiceSize",
    "StackConfig",
    "VidpipeStack",
    "WorkerSpec",
    "build_app",
    "stack_name",
    "workers",
]
