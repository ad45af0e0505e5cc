"""The one description of vidpipe's AWS resources.

Local provisioning (the ``vidpipe`` CLI against moto or LocalStack) and ``infra/`` both read
these names and specs and turn them into resources, so the two cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import combinations
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from vidpipe_types.errors import OverlappingNotificationsError
from vidpipe_types.keys import (
    INPUT_PREFIX,
    SEGMENTS_PREFIX,
    is_intermediate_key,
    segment_key_suffix,
)
from vidpipe_types.modes import Mode, parse_mode

if TYPE_CHECKING:
    from collections.abc import Iterable

_SPEC_CONFIG = ConfigDict(frozen=True, extra="forbid")

#: The S3 object tag that marks an intermediate object (``keys.is_intermediate_key``); every
#: bucket has one lifecycle rule that expires the objects carrying it.
RETENTION_TAG = "vidpipe-retention"
INTERMEDIATE_TAG_VALUE = "intermediate"

#: After this many receives without success SQS moves a message to the queue's DLQ.
MAX_RECEIVE_COUNT = 5

BucketRole = Literal["input", "output"]


class Worker(StrEnum):
    """The queues, named after the work they carry (``reassembly`` feeds the media-worker)."""

    CHUNKING = "chunking"
    #: Segments of the CPU modes (the plain video-worker image).
    VIDEO = "video"
    REASSEMBLY = "reassembly"
    DETECTION = "detection"
    #: Segments of the GPU modes (sam2): the video-worker with the sam2 plugin consumes it.
    VIDEO_GPU = "video-gpu"
    #: URL imports asked for through the HTTP API (`ImportRequest`); the import worker
    #: consumes it and uploads the fetched video as the job's input.
    IMPORT = "import"


class TableRole(StrEnum):
    JOBS = "jobs"
    SEGMENT_COMPLETIONS = "segment-completions"
    #: The HTTP API's keys (hashes only) and the tenant each acts for.
    API_KEYS = "api-keys"


class StackNames(BaseModel):
    """Resource names for one deployment, all derived from ``prefix``.

    The prefix is lower-case letters, digits and ``-`` so that every derived name is a valid
    bucket, queue and table name. Bucket names are global in AWS: pick a prefix that is yours.
    """

    model_config = _SPEC_CONFIG

    prefix: str = Field(default="vidpipe", pattern=r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")

    @property
    def input_bucket(self) -> str:
        return f"{self.prefix}-input"

    @property
    def output_bucket(self) -> str:
        return f"{self.prefix}-output"

    @property
    def jobs_table(self) -> str:
        return self.table(TableRole.JOBS)

    @property
    def segment_completions_table(self) -> str:
        return self.table(TableRole.SEGMENT_COMPLETIONS)

    @property
    def api_keys_table(self) -> str:
        return self.table(TableRole.API_KEYS)

    @property
    def chunking_queue(self) -> str:
        return self.queue(Worker.CHUNKING)

    @property
    def video_queue(self) -> str:
        return self.queue(Worker.VIDEO)

    @property
    def reassembly_queue(self) -> str:
        return self.queue(Worker.REASSEMBLY)

    @property
    def detection_queue(self) -> str:
        return self.queue(Worker.DETECTION)

    @property
    def import_queue(self) -> str:
        return self.queue(Worker.IMPORT)

    def bucket(self, role: BucketRole) -> str:
        return self.input_bucket if role == "input" else self.output_bucket

    def queue(self, worker: Worker) -> str:
        return f"{self.prefix}-{Worker(worker)}"

    def dlq(self, worker: Worker) -> str:
        return f"{self.queue(worker)}-dlq"

    def table(self, role: TableRole) -> str:
        return f"{self.prefix}-{TableRole(role)}"


def retention_tags(key: str) -> dict[str, str]:
    """The object tags an upload to ``key`` carries: the intermediate tag, or none (kept)."""
    return {RETENTION_TAG: INTERMEDIATE_TAG_VALUE} if is_intermediate_key(key) else {}


class QueueSpec(BaseModel):
    """One work queue and its dead-letter queue."""

    model_config = _SPEC_CONFIG

    worker: Worker
    visibility_timeout_seconds: int = Field(ge=0, le=43_200)
    max_receive_count: int = Field(default=MAX_RECEIVE_COUNT, ge=1)
    message_retention_seconds: int = Field(default=4 * 24 * 3600, ge=60, le=14 * 24 * 3600)
    # The longest SQS allows, so that a dead letter outlives its investigation.
    dlq_retention_seconds: int = Field(default=14 * 24 * 3600, ge=60, le=14 * 24 * 3600)


# The runner extends visibility with a heartbeat while a handler runs, so the base timeout is
# short: a crashed worker's message becomes visible again within a minute.
QUEUES: tuple[QueueSpec, ...] = tuple(
    QueueSpec(worker=worker, visibility_timeout_seconds=60) for worker in Worker
)


class NotificationRule(BaseModel):
    """S3 sends object-created events for matching keys in a bucket to a worker's queue."""

    model_config = _SPEC_CONFIG

    bucket_role: BucketRole = "input"
    prefix: str
    suffix: str = ""
    queue_worker: Worker
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)


class ModelGroup(BaseModel):
    """Segment modes that one video-worker image serves, and the queue their segments go to.

    A video-worker process consumes VIDEO_QUEUE_URL whichever group it serves: a deployment of
    a group points that variable at the group's queue and ENABLED_MODELS at its modes.
    """

    model_config = _SPEC_CONFIG

    name: str
    queue_worker: Worker
    modes: tuple[Mode, ...]


#: Every mode in exactly one group (checked below), so each segment has exactly one queue.
MODEL_GROUPS: tuple[ModelGroup, ...] = (
    ModelGroup(name="cpu", queue_worker=Worker.VIDEO, modes=(Mode.PASSTHROUGH, Mode.GRAYSCALE)),
    ModelGroup(name="gpu", queue_worker=Worker.VIDEO_GPU, modes=(Mode.SAM2,)),
)
CPU_MODEL_GROUP, GPU_MODEL_GROUP = MODEL_GROUPS


def model_group(mode: Mode) -> ModelGroup:
    """The group whose queue receives ``mode``'s segments."""
    return next(group for group in MODEL_GROUPS if Mode(mode) in group.modes)


def model_group_of_queue(worker: Worker) -> ModelGroup | None:
    """The group whose segments ``worker``'s queue carries; None for the other queues."""
    return next((group for group in MODEL_GROUPS if group.queue_worker == worker), None)


def parse_modes(text: str, *, setting: str = "DEPLOYED_MODES") -> frozenset[Mode]:
    """``"passthrough, grayscale"`` -> the modes; raises ValueError naming ``setting``."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    modes: set[Mode] = set()
    for name in names:
        mode = parse_mode(name)
        if mode is None:
            choices = ", ".join(m.value for m in Mode)
            raise ValueError(f"unknown mode {name!r} in {setting}: use {choices}")
        modes.add(mode)
    if not modes:
        raise ValueError(f"{setting} names no mode")
    return frozenset(modes)


def format_modes(modes: Iterable[Mode]) -> str:
    """The DEPLOYED_MODES / ENABLED_MODELS text for ``modes``, in the order of ``Mode``."""
    chosen = set(modes)
    return ",".join(mode.value for mode in Mode if mode in chosen)


def _segment_rules() -> tuple[NotificationRule, ...]:
    # S3 filters take one prefix and one suffix, no wildcard: the mode is the key's suffix
    # (`segments/{job}/{index}_{total}_{mode}.mp4`), so one rule per mode routes it.
    return tuple(
        NotificationRule(
            prefix=SEGMENTS_PREFIX, suffix=segment_key_suffix(mode), queue_worker=group.queue_worker
        )
        for group in MODEL_GROUPS
        for mode in group.modes
    )


NOTIFICATION_RULES: tuple[NotificationRule, ...] = (
    NotificationRule(prefix=INPUT_PREFIX, queue_worker=Worker.CHUNKING),
    *_segment_rules(),
)
#: The name docs/design.md uses.
NOTIFICATIONS = NOTIFICATION_RULES


def _events_overlap(first: Iterable[str], second: Iterable[str]) -> bool:
    def covers(pattern: str, event: str) -> bool:
        return event.startswith(pattern[:-1]) if pattern.endswith("*") else event == pattern

    return any(covers(a, b) or covers(b, a) for a in first for b in second)


def rules_overlap(first: NotificationRule, second: NotificationRule) -> bool:
    """True when some key and event would match both rules (S3 then rejects the setup)."""
    return (
        first.bucket_role == second.bucket_role
        and (first.prefix.startswith(second.prefix) or second.prefix.startswith(first.prefix))
        and (first.suffix.endswith(second.suffix) or second.suffix.endswith(first.suffix))
        and _events_overlap(first.events, second.events)
    )


def assert_notifications_disjoint(rules: Iterable[NotificationRule]) -> None:
    """Raise OverlappingNotificationsError when two rules could match the same object.

    Real S3 refuses such a configuration ("Configuration is ambiguously defined"); moto
    accepts it, so without this check a local setup would work and a deployment would not.
    """
    for first, second in combinations(list(rules), 2):
        if rules_overlap(first, second):
            raise OverlappingNotificationsError(
                f"notification rules overlap on the {first.bucket_role} bucket: "
                f"{first.prefix!r}*{first.suffix!r} -> {first.queue_worker} and "
                f"{second.prefix!r}*{second.suffix!r} -> {second.queue_worker}; "
                "give them disjoint prefixes or suffixes"
            )


class KeyAttribute(BaseModel):
    model_config = _SPEC_CONFIG

    name: str
    type: Literal["S", "N", "B"]


class IndexSpec(BaseModel):
    """A global secondary index (projection ALL)."""

    model_config = _SPEC_CONFIG

    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None


class TableSpec(BaseModel):
    """A DynamoDB table's keys, indexes and TTL attribute; named by ``StackNames.table(role)``."""

    model_config = _SPEC_CONFIG

    role: TableRole
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None

    @property
    def attributes(self) -> tuple[KeyAttribute, ...]:
        """Every key attribute of the table and its indexes, once each (AttributeDefinitions)."""
        keys = [self.partition_key, self.sort_key]
        for index in self.indexes:
            keys += [index.partition_key, index.sort_key]
        unique = {key.name: key for key in keys if key is not None}
        return tuple(unique.values())


JOBS_BY_STATUS_INDEX = "by-status"
#: A tenant's jobs, newest first; sparse: jobs without a tenant (plain uploads) are not in it.
JOBS_BY_TENANT_INDEX = "by-tenant"
#: Jobs whose outbox holds pending entries (webhooks, requests); sparse: only records with
#: `outbox_pending` set are in it, so a sweeper reads only what it must deliver.
JOBS_BY_OUTBOX_INDEX = "by-outbox"
#: Epoch seconds after which DynamoDB may delete a record; absent = kept.
TTL_ATTRIBUTE = "expires_at"

JOBS_TABLE = TableSpec(
    role=TableRole.JOBS,
    partition_key=KeyAttribute(name="job_id", type="S"),
    indexes=(
        IndexSpec(
            name=JOBS_BY_STATUS_INDEX,
            partition_key=KeyAttribute(name="status", type="S"),
            sort_key=KeyAttribute(name="updated_at", type="S"),
        ),
        IndexSpec(
            name=JOBS_BY_TENANT_INDEX,
            partition_key=KeyAttribute(name="tenant_id", type="S"),
            sort_key=KeyAttribute(name="created_at", type="S"),
        ),
        IndexSpec(
            name=JOBS_BY_OUTBOX_INDEX,
            partition_key=KeyAttribute(name="outbox_pending", type="S"),
            sort_key=KeyAttribute(name="updated_at", type="S"),
        ),
    ),
    ttl_attribute=TTL_ATTRIBUTE,
)
SEGMENT_COMPLETIONS_TABLE = TableSpec(
    role=TableRole.SEGMENT_COMPLETIONS,
    partition_key=KeyAttribute(name="job_id", type="S"),
    sort_key=KeyAttribute(name="segment_index", type="N"),
    ttl_attribute=TTL_ATTRIBUTE,
)
#: Looked up by the public part of a key; the record holds only the key's hash.
API_KEYS_TABLE = TableSpec(
    role=TableRole.API_KEYS,
    partition_key=KeyAttribute(name="key_id", type="S"),
)
TABLES: tuple[TableSpec, ...] = (JOBS_TABLE, SEGMENT_COMPLETIONS_TABLE, API_KEYS_TABLE)


def _check_model_groups() -> None:
    grouped = [mode for group in MODEL_GROUPS for mode in group.modes]
    if sorted(grouped) != sorted(Mode) or len(set(grouped)) != len(grouped):
        raise ValueError("every mode must be in exactly one of MODEL_GROUPS")


_check_model_groups()
assert_notifications_disjoint(NOTIFICATION_RULES)


def queue_spec(worker: Worker) -> QueueSpec:
    """The spec in QUEUES for ``worker``."""
    return next(spec for spec in QUEUES if spec.worker == worker)
