"""In-memory fakes of vidpipe_aws's ports, for fast unit tests of workers and the runner.

They keep the semantics that code relies on (invisibility after receive, receive counts,
conditional writes) and nothing else. They are thread-safe, since the runner is threaded.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vidpipe_aws.api_keys import ApiKeyStore
from vidpipe_aws.completions import SegmentCompletionStore
from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.jobs import JobStore, utc_now
from vidpipe_aws.queue import Queue, ReceivedMessage
from vidpipe_aws.retention import KEEP_FOREVER
from vidpipe_aws.storage import ObjectInfo, ObjectStorage
from vidpipe_types.timestamps import format_utc

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from vidpipe_aws._conditions import Condition
    from vidpipe_aws._paging import Cursor, Page
    from vidpipe_aws.jobs import JobUpdate
    from vidpipe_aws.retention import RecordRetention
    from vidpipe_aws.storage import PostCondition
    from vidpipe_types.api_keys import ApiKey
    from vidpipe_types.job import Job, JobStatus
    from vidpipe_types.payloads import SegmentCompletion


@dataclass
class _StoredMessage:
    message_id: str
    body: str
    visible_at: float
    receive_count: int = 0
    receipt_handle: str | None = None


@dataclass
class InMemoryQueue(Queue):
    """An SQS-like queue. `clock` is injectable so tests can move time without sleeping."""

    name: str = "fake-queue"
    default_visibility_timeout: int = 30
    clock: Callable[[], float] = time.monotonic
    dead_letter: InMemoryQueue | None = None
    max_receive_count: int | None = None
    _messages: dict[str, _StoredMessage] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    visibility_changes: list[tuple[str, int]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"memory://{self.name}"

    def _receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]:
        # wait_seconds is ignored: a fake never blocks, tests drive the loop themselves.
        timeout = (
            self.default_visibility_timeout if visibility_timeout is None else visibility_timeout
        )
        received: list[ReceivedMessage] = []
        with self._lock:
            now = self.clock()
            for stored in list(self._messages.values()):
                if len(received) >= max_messages:
                    break
                if stored.visible_at > now:
                    continue
                if self._redrive_if_exhausted(stored):
                    continue
                stored.receive_count += 1
                stored.receipt_handle = f"{stored.message_id}#{stored.receive_count}"
                stored.visible_at = now + timeout
                received.append(
                    ReceivedMessage(
                        message_id=stored.message_id,
                        receipt_handle=stored.receipt_handle,
                        body=stored.body,
                        receive_count=stored.receive_count,
                    )
                )
        return received

    def _redrive_if_exhausted(self, stored: _StoredMessage) -> bool:
        if self.max_receive_count is None or stored.receive_count < self.max_receive_count:
            return False
        del self._messages[stored.message_id]
        if self.dead_letter is not None:
            self.dead_letter.send(stored.body)
        return True

    def _delete(self, receipt_handle: str) -> None:
        with self._lock:
            stored = self._find(receipt_handle)
            if stored is not None:
                del self._messages[stored.message_id]
                self.deleted.append(stored.message_id)

    def _change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        with self._lock:
            stored = self._find(receipt_handle)
            if stored is None:
                raise NotFoundError(
                    f"change visibility on {self.url}: receipt handle {receipt_handle!r} is "
                    "not current"
                )
            stored.visible_at = self.clock() + timeout_seconds
            self.visibility_changes.append((stored.message_id, timeout_seconds))

    def _send(self, body: str, delay_seconds: int) -> str:
        with self._lock:
            message_id = f"{self.name}-{next(self._ids)}"
            self._messages[message_id] = _StoredMessage(
                message_id=message_id, body=body, visible_at=self.clock() + delay_seconds
            )
            return message_id

    def _find(self, receipt_handle: str) -> _StoredMessage | None:
        for stored in self._messages.values():
            if stored.receipt_handle == receipt_handle:
                return stored
        return None

    # Test helpers -------------------------------------------------------------------------

    def bodies(self) -> list[str]:
        """Every message still on the queue, visible or not."""
        with self._lock:
            return [m.body for m in self._messages.values()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)


# Object storage ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _StoredObject:
    data: bytes
    content_type: str | None
    metadata: dict[str, str]
    last_modified: datetime
    tags: dict[str, str] = field(default_factory=dict)


class InMemoryObjectStorage(ObjectStorage):
    """S3-like objects in memory.

    With `buckets` given, only those buckets exist (others raise NotFoundError, like
    NoSuchBucket); without it any bucket name is accepted. Metadata keys are lower-cased and the
    ETag is the MD5 of the bytes, as S3 does for a single-part upload. `page_size` makes
    `list_keys` page like ListObjectsV2; `pages_listed` counts the pages, for tests.
    """

    def __init__(self, buckets: Iterable[str] | None = None, *, page_size: int = 1000) -> None:
        self._strict = buckets is not None
        self._objects: dict[str, dict[str, _StoredObject]] = {b: {} for b in buckets or ()}
        self._lock = threading.Lock()
        self._page_size = page_size
        self.pages_listed = 0

    def create_bucket(self, bucket: str) -> None:
        with self._lock:
            self._objects.setdefault(bucket, {})

    def _bucket(self, bucket: str) -> dict[str, _StoredObject]:
        if bucket not in self._objects:
            if self._strict:
                raise NotFoundError(f"bucket {bucket!r}: NoSuchBucket")
            self._objects[bucket] = {}
        return self._objects[bucket]

    def _stored(self, bucket: str, key: str) -> _StoredObject:
        stored = self._bucket(bucket).get(key)
        if stored is None:
            raise NotFoundError(f"s3://{bucket}/{key}: NoSuchKey")
        return stored

    def _put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        content_type: str | None,
        metadata: dict[str, str],
        tags: dict[str, str],
    ) -> None:
        with self._lock:
            self._bucket(bucket)[key] = _StoredObject(
                data=data,
                content_type=content_type or "binary/octet-stream",
                metadata={k.lower(): v for k, v in metadata.items()},
                last_modified=datetime.now(UTC).replace(microsecond=0),
                tags=dict(tags),
            )

    def _upload_file(
        self,
        path: Path,
        bucket: str,
        key: str,
        content_type: str | None,
        metadata: dict[str, str],
        tags: dict[str, str],
    ) -> None:
        self._put(bucket, key, path.read_bytes(), content_type, metadata, tags)

    def _download_file(self, bucket: str, key: str, path: Path) -> None:
        with self._lock:
            data = self._stored(bucket, key).data
        path.write_bytes(data)

    def _head(self, bucket: str, key: str) -> ObjectInfo:
        with self._lock:
            stored = self._stored(bucket, key)
        return ObjectInfo(
            size=len(stored.data),
            etag=hashlib.md5(stored.data, usedforsecurity=False).hexdigest(),
            content_type=stored.content_type,
            metadata=dict(stored.metadata),
            last_modified=stored.last_modified,
        )

    def _list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        with self._lock:
            keys = sorted(k for k in self._bucket(bucket) if k.startswith(prefix))
        for start in range(0, max(len(keys), 1), self._page_size):
            self.pages_listed += 1
            yield from keys[start : start + self._page_size]

    def _presigned_get_url(self, bucket: str, key: str, expires_in: int) -> str:
        with self._lock:
            self._bucket(bucket)
        return f"memory://{bucket}/{key}?expires_in={expires_in}"

    def _presigned_post(
        self,
        bucket: str,
        key: str,
        fields: dict[str, str],
        conditions: list[PostCondition],
        expires_in: int,
    ) -> tuple[str, dict[str, str]]:
        with self._lock:
            self._bucket(bucket)
        # The same policy document S3 reads, unsigned, so tests can check the conditions.
        policy = {
            "expiration": f"in {expires_in} s",
            "conditions": [{"bucket": bucket}, {"key": key}, *conditions],
        }
        encoded = base64.b64encode(json.dumps(policy).encode()).decode()
        return f"memory://{bucket}", {**fields, "key": key, "policy": encoded}

    def _put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str, tags: dict[str, str]
    ) -> None:
        self._put(bucket, key, bytes(data), content_type, {}, tags)

    def _tags(self, bucket: str, key: str) -> dict[str, str]:
        with self._lock:
            return dict(self._stored(bucket, key).tags)

    def _get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes:
        with self._lock:
            return self._stored(bucket, key).data[: max_bytes + 1]

    def _delete(self, bucket: str, key: str) -> None:
        with self._lock:
            self._bucket(bucket).pop(key, None)

    def _copy(self, bucket: str, source_key: str, key: str) -> None:
        with self._lock:
            stored = self._stored(bucket, source_key)
        # Like CopyObject: the copy keeps the source's metadata and tags.
        self._put(
            bucket, key, stored.data, stored.content_type, dict(stored.metadata), dict(stored.tags)
        )


# Tables -----------------------------------------------------------------------------------


def _offset_page(items: list[Any], cursor: Cursor | None, page_size: int) -> Page[list[Any]]:
    start = int(cursor["offset"]) if cursor else 0
    end = start + page_size
    return items[start:end], ({"offset": end} if end < len(items) else None)


class InMemorySegmentCompletionStore(SegmentCompletionStore):
    """Completions in memory, paged like a DynamoDB Query (`page_size` items per page);
    `pages_read` counts the pages fetched, so tests can see that paging happened;
    `expires_at(job_id, index)` is the TTL attribute the record was stored with."""

    def __init__(self, *, page_size: int = 500, retention: RecordRetention = KEEP_FOREVER) -> None:
        super().__init__(retention=retention)
        self._records: dict[tuple[str, int], SegmentCompletion] = {}
        self._expiry: dict[tuple[str, int], int] = {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._page_size = page_size
        self.pages_read = 0

    def _put_new(self, completion: SegmentCompletion, expires_at: int | None) -> bool:
        key = (completion.job_id, completion.segment_index)
        with self._lock:
            if key in self._records:
                return False
            self._records[key] = completion
            self._counts[completion.job_id] = self._counts.get(completion.job_id, 0) + 1
            if expires_at is not None:
                self._expiry[key] = expires_at
            return True

    def _read_count(self, job_id: str) -> int | None:
        with self._lock:
            return self._counts.get(job_id)

    def _delete_count(self, job_id: str) -> None:
        with self._lock:
            self._counts.pop(job_id, None)

    def expires_at(self, job_id: str, segment_index: int) -> int | None:
        with self._lock:
            return self._expiry.get((job_id, segment_index))

    def _of_job(self, job_id: str) -> list[SegmentCompletion]:
        with self._lock:
            self.pages_read += 1
            found = [c for (j, _), c in self._records.items() if j == job_id]
        return sorted(found, key=lambda c: c.segment_index)

    def _count_page(self, job_id: str, cursor: Cursor | None) -> Page[int]:
        page, next_cursor = _offset_page(self._of_job(job_id), cursor, self._page_size)
        return len(page), next_cursor

    def _list_page(self, job_id: str, cursor: Cursor | None) -> Page[list[SegmentCompletion]]:
        return _offset_page(self._of_job(job_id), cursor, self._page_size)

    def _delete_one(self, job_id: str, segment_index: int) -> None:
        with self._lock:
            self._records.pop((job_id, segment_index), None)
            self._expiry.pop((job_id, segment_index), None)


def _tenant_position(job: Job) -> tuple[str, str]:
    return format_utc(job.created_at), job.job_id


class InMemoryJobStore(JobStore):
    """Job records in memory. The rules live in JobStore; this only evaluates the same
    conditions the DynamoDB adapter sends, under a lock, so both behave alike.
    `expires_at(job_id)` is the TTL attribute the record was created with."""

    def __init__(
        self,
        *,
        page_size: int = 100,
        clock: Callable[[], datetime] = utc_now,
        retention: RecordRetention = KEEP_FOREVER,
    ) -> None:
        super().__init__(clock=clock, retention=retention)
        self._jobs: dict[str, Job] = {}
        self._expiry: dict[str, int] = {}
        self._lock = threading.Lock()
        self._page_size = page_size

    def _put_new(self, job: Job, expires_at: int | None) -> bool:
        with self._lock:
            if job.job_id in self._jobs:
                return False
            self._jobs[job.job_id] = job
            if expires_at is not None:
                self._expiry[job.job_id] = expires_at
            return True

    def expires_at(self, job_id: str) -> int | None:
        with self._lock:
            return self._expiry.get(job_id)

    def _get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _update(self, job_id: str, update: JobUpdate, condition: Condition) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not condition.holds(job):
                return None
            values = dict(update.values)
            if update.stage_timestamp is not None:
                stage, at = update.stage_timestamp
                values["stage_timestamps"] = {**job.stage_timestamps, stage: at}
            if update.outbox_add or update.outbox_remove:
                outbox = {**job.outbox, **{entry.id: entry for entry in update.outbox_add}}
                for entry_id in update.outbox_remove:
                    outbox.pop(entry_id, None)
                values["outbox"] = outbox
            updated = job.model_copy(update=values)
            self._jobs[job_id] = updated
            return updated

    def _delete(self, job_id: str) -> bool:
        with self._lock:
            self._expiry.pop(job_id, None)
            return self._jobs.pop(job_id, None) is not None

    def _tenant_page(
        self, tenant_id: str, status: JobStatus | None, limit: int, cursor: Cursor | None
    ) -> Page[list[Job]]:
        # Read like the by-tenant index: newest first, `limit` records read, then the status
        # filter (DynamoDB applies Limit before a FilterExpression).
        with self._lock:
            ordered = sorted(
                (job for job in self._jobs.values() if job.tenant_id == tenant_id),
                key=_tenant_position,
                reverse=True,
            )
        if cursor:
            after = (str(cursor["created_at"]), str(cursor["job_id"]))
            ordered = [job for job in ordered if _tenant_position(job) < after]
        read = ordered[:limit]
        next_cursor = None
        if len(ordered) > limit:
            created_at, job_id = _tenant_position(read[-1])
            next_cursor = {"tenant_id": tenant_id, "created_at": created_at, "job_id": job_id}
        return [job for job in read if status is None or job.status == status], next_cursor

    def _status_page(
        self, status: JobStatus, updated_before: datetime | None, cursor: Cursor | None
    ) -> Page[list[Job]]:
        with self._lock:
            matching = [
                job
                for job in self._jobs.values()
                if job.status == status
                and (updated_before is None or job.updated_at < updated_before)
            ]
        matching.sort(key=lambda job: job.updated_at)
        return _offset_page(matching, cursor, self._page_size)

    def _outbox_page(self, cursor: Cursor | None) -> Page[list[Job]]:
        with self._lock:
            matching = [job for job in self._jobs.values() if job.outbox_pending is not None]
        matching.sort(key=lambda job: job.updated_at)
        return _offset_page(matching, cursor, self._page_size)


class InMemoryApiKeyStore(ApiKeyStore):
    """API-key records in memory; the rules (hashing, revocation) live in ApiKeyStore."""

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(clock=clock)
        self._records: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def _put_new(self, record: ApiKey) -> bool:
        with self._lock:
            if record.key_id in self._records:
                return False
            self._records[record.key_id] = record
            return True

    def _get(self, key_id: str) -> ApiKey | None:
        with self._lock:
            return self._records.get(key_id)

    def _set_revoked(self, key_id: str, at: datetime) -> ApiKey | None:
        with self._lock:
            record = self._records.get(key_id)
            if record is None or record.revoked_at is not None:
                return None
            revoked = record.model_copy(update={"revoked_at": at})
            self._records[key_id] = revoked
            return revoked

    def _scan_page(self, cursor: Cursor | None) -> Page[list[ApiKey]]:
        with self._lock:
            records = list(self._records.values())
        return _offset_page(records, cursor, 100)
