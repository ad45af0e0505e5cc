"""What one deployment can choose, read once from the CDK context (``-c name=value``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from vidpipe_infra.deploy import WorkerConfig, load_config_file
from vidpipe_infra.errors import ConfigError
from vidpipe_types.topology import StackNames

if TYPE_CHECKING:
    from collections.abc import Callable

    from constructs import Node

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def default_image_tag() -> str:
    """Images are tagged with the release they were built from, like this package."""
    return version("vidpipe-infra")


@dataclass(frozen=True)
class ServiceSize:
    """One worker's Fargate task size and how far it scales out."""

    cpu: int
    memory_mib: int
    ephemeral_storage_gib: int
    max_tasks: int


@dataclass(frozen=True)
class StackConfig:
    """Every context value the app reads, with its default (see infra/README.md)."""

    prefix: str = "vidpipe"
    image_tag: str = field(default_factory=default_image_tag)
    #: Intermediate objects (input and processed segments, frame scores: tagged
    #: ``vidpipe-retention=intermediate`` at upload) expire after this many days.
    intermediate_retention_days: int = 7
    #: Job and segment-completion records expire this many days after they are made
    #: (JOB_RETENTION_DAYS, the tables' TTL); 0 keeps them forever.
    job_retention_days: int = 0
    log_retention_days: int = 30
    #: Age alarm threshold: a message this old means the queue is not being drained.
    oldest_message_alarm_seconds: int = 3600
    #: Deploy the detection-worker's service (CPU Fargate, scaling from zero like the others).
    detection: bool = True
    #: Run the sam2 video-worker (the GPU modes' queue) on GPU instances (EC2 capacity
    #: provider); without it jobs asking for sam2 fail at chunking with the reason.
    gpu: bool = False
    gpu_instance_type: str = "g5.xlarge"
    gpu_max_instances: int = 4
    nat_gateways: int = 1
    #: Subscribed to the alarm topic when set (AWS emails a confirmation link first).
    alarm_email: str = ""
    #: Deploy the HTTP API (a Fargate service behind a load balancer) and the import worker.
    api: bool = False
    #: An ACM certificate ARN: the API's load balancer then serves HTTPS on 443 (and redirects
    #: 80); unset, it serves plain HTTP on 80 (put it behind your own TLS terminator).
    api_certificate_arn: str = ""
    #: Origins allowed to POST uploads to the input bucket from a browser (comma-separated).
    api_cors_origins: str = "*"
    api_tasks: int = 2
    #: Concurrent messages per task (MAX_CONCURRENT_JOBS); also the backlog one task is sized for.
    jobs_per_task: int = 2
    chunking: ServiceSize = ServiceSize(
        cpu=2048, memory_mib=4096, ephemeral_storage_gib=60, max_tasks=4
    )
    video: ServiceSize = ServiceSize(
        cpu=2048, memory_mib=4096, ephemeral_storage_gib=30, max_tasks=20
    )
    media: ServiceSize = ServiceSize(
        cpu=1024, memory_mib=2048, ephemeral_storage_gib=60, max_tasks=4
    )
    detection_size: ServiceSize = ServiceSize(
        cpu=2048, memory_mib=8192, ephemeral_storage_gib=40, max_tasks=4
    )
    #: On a g5.xlarge (4 vCPU, 16 GiB): one task per instance, room for the ECS agent.
    gpu_size: ServiceSize = ServiceSize(
        cpu=3072, memory_mib=12288, ephemeral_storage_gib=0, max_tasks=4
    )
    #: Worker settings and secrets per service, from the deployment config file.
    workers: WorkerConfig = field(default_factory=WorkerConfig)

    def __post_init__(self) -> None:
        # StackNames validates the prefix: every derived bucket, queue and table name is valid.
        StackNames(prefix=self.prefix)
        # Workers in private subnets reach SQS, ECR and CloudWatch Logs through a NAT gateway.
        for name in (
            "intermediate_retention_days",
            "log_retention_days",
            "jobs_per_task",
            "nat_gateways",
            "gpu_max_instances",
            "api_tasks",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.job_retention_days < 0:
            raise ConfigError(
                f"job_retention_days must be 0 (keep) or more, got {self.job_retention_days}"
            )
        if self.oldest_message_alarm_seconds < 60:
            raise ConfigError("oldest_message_alarm_seconds must be at least 60")
        if not self.image_tag:
            raise ConfigError("image_tag must not be empty")
        # Names and values are checked against the services this config deploys.
        from vidpipe_infra.workers import workers  # noqa: PLC0415 (workers imports vidpipe_aws)

        self.workers.check(spec.name for spec in workers(detection=self.detection, gpu=self.gpu))

    @property
    def names(self) -> StackNames:
        return StackNames(prefix=self.prefix)

    @classmethod
    def from_context(cls, node: Node) -> StackConfig:
        """Read the plain (non-size) fields from ``node``'s context; absent = default."""
        return cls.from_values(node.try_get_context)

    @classmethod
    def from_values(cls, lookup: Callable[[str], Any]) -> StackConfig:
        """The config from context values by name (``lookup`` gives None for an absent one),
        and from the deployment config file that ``config`` names."""
        values: dict[str, Any] = {}
        file_options: dict[str, Any] = {}
        path = lookup("config")
        if path:
            file_options, values["workers"] = load_config_file(str(path))
        plain = {
            item.name: item.type for item in fields(cls) if item.type in ("str", "int", "bool")
        }
        unknown = sorted(set(file_options) - set(plain))
        if unknown:
            raise ConfigError(f"{path}: unknown options {unknown}: choose from {sorted(plain)}")
        for name, kind in plain.items():
            raw = lookup(name)
            raw = file_options.get(name) if raw is None else raw
            if raw is not None:
                values[name] = _convert(name, kind, raw)
        try:
            config = cls(**values)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ConfigError(f"invalid context: {exc}") from exc
        return config


def _convert(name: str, kind: object, raw: object) -> object:
    # `-c gpu=true` arrives as the string "true"; cdk.json values keep their JSON types.
    text = str(raw).strip()
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigError(f"context {name}={raw!r} is not a boolean (true/false)")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"context {name}={raw!r} is not a whole number") from None
    return text
