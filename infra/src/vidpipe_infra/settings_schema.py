"""Which worker settings each service accepts, and their validation at synth.

The settings classes of the chunking-, video- and media-worker are imported (no torch in them)
and validate the values themselves, exactly as the worker will at start-up. The torch workers'
classes (detection-worker, sam2-model) cannot be installed beside the CDK, so their settings
are declared here by name and type; ``infra/tests/test_settings_schema.py`` checks the
declaration against the real classes wherever their environments exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr, TypeAdapter, ValidationError

from vidpipe_aws import (
    AwsSettings,
    RunnerSettings,
    WeightsSettingError,
    WorkerSettings,
    check_weights_setting,
)
from vidpipe_chunking.settings import ChunkingSettings
from vidpipe_infra.errors import ConfigError
from vidpipe_media.settings import MediaSettings
from vidpipe_video.settings import VideoSettings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic_settings import BaseSettings

#: Key material the webhook outbox will sign with; every worker sends webhooks.
WEBHOOK_SIGNING_SECRET = "WEBHOOK_SIGNING_SECRET"

#: sam2-model's ``Sam2Settings`` (read by the video-worker with the plugin), by env name.
SAM2_SETTINGS: dict[str, Any] = {
    "SAM2_CONFIG": str,
    # A path in the image, or s3://bucket/key with SAM2_CHECKPOINT_SHA256 (fetched at warm-up).
    "SAM2_CHECKPOINT": str | None,
    "SAM2_CHECKPOINT_SHA256": str | None,
    "SAM2_ALLOW_RANDOM_INIT": bool,
    "SAM2_IMAGE_SIZE": int | None,
    "SAM2_DEVICE": Literal["auto", "cpu", "cuda"],
    "SAM2_WINDOW_FRAMES": int,
    "SAM2_BACKGROUND": str,
    "MAX_FRAMES": int,
    "GEMINI_API_KEY": SecretStr | None,
    "GEMINI_BOX_MODEL": str,
    "GEMINI_BASE_URL": str | None,
    "GEMINI_TIMEOUT_SECONDS": float,
    "GEMINI_ATTEMPTS": int,
}
#: detection-worker's ``DetectionSettings`` beyond ``WorkerSettings``, by env name.
DETECTION_SETTINGS: dict[str, Any] = {
    "FACE_BACKEND": str | None,
    "FACE_CONFIDENCE_THRESHOLD": float,
    "POSE_CONFIDENCE_THRESHOLD": float,
    "TRACKER": Literal["bytetrack", "deepsort"],
    "TRACKING_MAX_AGE_SECONDS": float,
    "TRACKING_REID": Literal["auto", "on", "off"],
    "DETECTION_PART_SECONDS": float,
    "MERGE_LEASE_SECONDS": float,
    "FRAME_INTERVAL_SECONDS": float,
    "YOLO_MODEL_PATH": str | None,
    "YOLO_MODEL_SHA256": str | None,
    "YOLO_IMAGE_SIZE": int,
    "TORCH_THREADS": int,
    "DETECTION_PREVIEW": bool,
}

#: Model weights settings that may name an S3 object, and the SHA-256 setting each needs then;
#: the stack grants s3:GetObject on exactly that object.
WEIGHTS_SETTINGS: dict[str, str] = {
    "SAM2_CHECKPOINT": "SAM2_CHECKPOINT_SHA256",
    "YOLO_MODEL_PATH": "YOLO_MODEL_SHA256",
}

#: Set by the stack from its own resources and options: a deployment config may not set them.
STACK_SET: frozenset[str] = frozenset(
    {
        *(str(f.validation_alias) for f in AwsSettings.model_fields.values()),
        "WORKER_NAME",
        "MAX_CONCURRENT_JOBS",
        "VISIBILITY_TIMEOUT_SECONDS",
        "HEALTH_PORT",
        "WORK_DIR",
        "TMPDIR",
        "DEPLOYED_MODES",
        "ENABLED_MODELS",
    }
)


def _aliases(settings: type[BaseSettings]) -> dict[str, Any]:
    return {
        str(field.validation_alias): field.annotation
        for field in settings.model_fields.values()
        if isinstance(field.validation_alias, str)
    }


class ServiceSchema:
    """The settings one service's container reads: classes that validate themselves, and
    declared names with their types (the torch workers)."""

    def __init__(
        self,
        classes: tuple[type[BaseSettings], ...],
        declared: Mapping[str, Any] | None = None,
    ) -> None:
        self.classes: tuple[type[BaseSettings], ...] = (*classes, RunnerSettings)
        self.declared = dict(declared or {})
        self.types: dict[str, Any] = {}
        for settings in self.classes:
            self.types.update(_aliases(settings))
        self.types.update(self.declared)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.types)

    @property
    def secret_names(self) -> frozenset[str]:
        secret = {name for name, kind in self.types.items() if "SecretStr" in repr(kind)}
        return frozenset({*secret, WEBHOOK_SIGNING_SECRET})

    def validate(self, service: str, values: Mapping[str, str]) -> None:
        """Raise ConfigError naming ``service`` and the setting for any value its worker
        would refuse at start-up."""
        for settings in self.classes:
            mine = {k: v for k, v in values.items() if k in _aliases(settings)}
            try:
                # model_validate, not the constructor: no environment of this machine leaks in.
                settings.model_validate(mine)
            except ValidationError as exc:
                raise ConfigError(f"{service}: {_reason(exc)}") from None
        for name, kind in self.declared.items():
            if name not in values:
                continue
            try:
                TypeAdapter(kind).validate_python(values[name])
            except ValidationError as exc:
                raise ConfigError(f"{service}: {name}={values[name]!r}: {_reason(exc)}") from None
        for setting, sha256_setting in WEIGHTS_SETTINGS.items():
            if setting not in self.types or not {setting, sha256_setting} & values.keys():
                continue
            try:
                check_weights_setting(
                    values.get(setting),
                    values.get(sha256_setting),
                    setting=setting,
                    sha256_setting=sha256_setting,
                )
            except WeightsSettingError as exc:
                raise ConfigError(f"{service}: {exc}") from None


def _reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'value'}: {error['msg']}"
        for error in exc.errors()
    )


SCHEMAS: dict[str, ServiceSchema] = {
    "chunking-worker": ServiceSchema((ChunkingSettings,)),
    "video-worker": ServiceSchema((VideoSettings,)),
    "video-gpu-worker": ServiceSchema((VideoSettings,), SAM2_SETTINGS),
    "media-worker": ServiceSchema((MediaSettings,)),
    "detection-worker": ServiceSchema((WorkerSettings,), DETECTION_SETTINGS),
}
