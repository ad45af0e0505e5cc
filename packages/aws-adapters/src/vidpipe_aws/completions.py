"""The SegmentCompletionStore port: one record per (job, segment index), and per job a count of
them that each new record raises in the same atomic write.

The count makes the reassembly trigger's question ("are all segments done?") one read however
many segments a job has: counting the records page by page on every completion read
O(segments^2) items per job. A duplicate completion writes neither the record nor the count,
so the count stays exact under redeliveries. A job whose records were written before the count
existed has none: `count` then counts its records as before.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from vidpipe_aws._edge import AdapterEdge
from vidpipe_aws._paging import Cursor, Page, iterate_pages
from vidpipe_aws.retention import KEEP_FOREVER, RecordRetention

if TYPE_CHECKING:
    import builtins

    from vidpipe_types.payloads import SegmentCompletion


class SegmentCompletionStore(AdapterEdge, ABC):
    """Completions are written whatever the job's state (even before its total is known),
    so that none is lost; the reassembly trigger counts them. `retention` stamps each new
    record with its expiry (the table's TTL attribute), counted from `completed_at`."""

    def __init__(self, *, retention: RecordRetention = KEEP_FOREVER) -> None:
        self.retention = retention

    def put(self, completion: SegmentCompletion) -> bool:
        """Write the completion unless one exists for its job and index, and raise the job's
        count with it (one atomic write); True when new.

        A duplicate (redelivered message, second S3 event) changes nothing and returns False.
        """
        expires_at = self.retention.expires_at(completion.completed_at)
        with self._edge(f"put completion {completion.job_id}/{completion.segment_index}"):
            return self._put_new(completion, expires_at)

    def count(self, job_id: str) -> int:
        """How many segments of the job completed: one read of the job's count, or (a job
        without one, whose records predate it) the records summed over every page."""
        with self._edge(f"read the completion count of {job_id}"):
            counted = self._read_count(job_id)
        if counted is not None:
            return counted

        def fetch(cursor: Cursor | None) -> Page[int]:
            with self._edge(f"count completions of {job_id}"):
                return self._count_page(job_id, cursor)

        return sum(iterate_pages(fetch))

    def list(self, job_id: str) -> builtins.list[SegmentCompletion]:
        """Every completion of the job, ordered by segment index."""

        def fetch(cursor: Cursor | None) -> Page[builtins.list[SegmentCompletion]]:
            with self._edge(f"list completions of {job_id}"):
                return self._list_page(job_id, cursor)

        found = [completion for page in iterate_pages(fetch) for completion in page]
        return sorted(found, key=lambda completion: completion.segment_index)

    def delete_job(self, job_id: str) -> int:
        """Remove every completion of the job (deleting a job); how many there were."""
        completions = self.list(job_id)
        for completion in completions:
            with self._edge(f"delete completion {job_id}/{completion.segment_index}"):
                self._delete_one(job_id, completion.segment_index)
        with self._edge(f"delete the completion count of {job_id}"):
            self._delete_count(job_id)
        return len(completions)

    # What an adapter implements --------------------------------------------------------

    @abstractmethod
    def _put_new(self, completion: SegmentCompletion, expires_at: int | None) -> bool:
        """Store the completion only if absent and add one to its job's count, atomically,
        with `expires_at` (epoch seconds) as their TTL attribute unless None; True when
        stored (False: neither written)."""

    @abstractmethod
    def _read_count(self, job_id: str) -> int | None:
        """The job's count (strongly consistent); None when it has none."""

    @abstractmethod
    def _delete_count(self, job_id: str) -> None: ...

    @abstractmethod
    def _count_page(self, job_id: str, cursor: Cursor | None) -> Page[int]: ...

    @abstractmethod
    def _list_page(
        self, job_id: str, cursor: Cursor | None
    ) -> Page[builtins.list[SegmentCompletion]]: ...

    @abstractmethod
    def _delete_one(self, job_id: str, segment_index: int) -> None: ...
