"""JobStore contract: every test runs against the in-memory fake and DynamoDB on a moto server.

The rules live in the JobStore base; the two backends only evaluate the same conditions. These
tests passing on both is what lets other packages trust InMemoryJobStore in their unit tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.errors import ConditionFailedError, NotFoundError
from vidpipe_aws.fakes import InMemoryJobStore
from vidpipe_aws.jobs import InvalidJobUpdateError, JobStore
from vidpipe_aws.provision import ensure_table
from vidpipe_types.job import (
    DetectionState,
    DetectionStatus,
    Job,
    JobError,
    JobOptions,
    JobStatus,
)
from vidpipe_types.modes import Mode
from vidpipe_types.topology import JOBS_TABLE

S = JobStatus
START = datetime(2026, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, clock: Clock) -> JobStore:
    if request.param == "memory":
        return InMemoryJobStore(page_size=2, clock=clock)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, JOBS_TABLE, "test-jobs")
    return DynamoJobStore(clients.dynamodb, "test-jobs", page_size=2, clock=clock)


def new_job(job_id: str = "j1", now: datetime = START) -> Job:
    options = JobOptions(mode=Mode.PASSTHROUGH, detect=True)
    return Job.new(job_id, "vidpipe-input", f"input/{job_id}.mp4", options, now)


def processing_job(store: JobStore, job_id: str = "j1", total: int = 4) -> Job:
    store.create_if_absent(new_job(job_id))
    return store.transition(
        job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=total
    )


# Creating and reading -----------------------------------------------------------------


def test_create_if_absent_creates_once_and_returns_the_stored_job(store: JobStore) -> None:
    job = new_job()
    created, is_new = store.create_if_absent(job)
    again, again_new = store.create_if_absent(job.model_copy(update={"source_key": "input/x"}))

    assert (created, is_new) == (job, True)
    assert again_new is False
    assert again.source_key == "input/j1.mp4"


def test_get_of_a_missing_job_is_none(store: JobStore) -> None:
    assert store.get("nobody") is None


def test_every_field_round_trips(store: JobStore) -> None:
    job = new_job().model_copy(
        update={
            "status": S.FAILED,
            "total_segments": 7,
            "completed_segments": 3,
            "progress_percent": 44.29,
            "error": JobError(stage="chunking", reason="no video stream"),
            "outputs": {"final": "jobs/j1/final.mp4"},
            "reassembly_lease_owner": "media-1",
            "reassembly_lease_until": START + timedelta(seconds=900, microseconds=7),
            "completed_at": START,
            "stage_timestamps": {"created": START, "failed": START + timedelta(seconds=1)},
        }
    )
    store.create_if_absent(job)

    assert store.get("j1") == job


# Transitions --------------------------------------------------------------------------


def test_transition_sets_status_stage_timestamps_and_progress(
    store: JobStore, clock: Clock
) -> None:
    store.create_if_absent(new_job())
    later = clock.advance(3)

    job = store.transition("j1", from_statuses={S.CREATED}, to_status=S.CHUNKING)

    assert job.status is S.CHUNKING
    assert job.stage == "chunking"
    assert job.updated_at == later
    assert job.stage_timestamps == {"created": START, "chunking": later}
    assert job.progress_percent == 5.0
    assert store.get("j1") == job


def test_transition_sets_fields_with_it(store: JobStore) -> None:
    store.create_if_absent(new_job())
    store.transition("j1", from_statuses={S.CREATED}, to_status=S.CHUNKING)

    job = store.transition(
        "j1", from_statuses={S.CREATED, S.CHUNKING}, to_status=S.PROCESSING, total_segments=4
    )

    assert (job.status, job.total_segments, job.progress_percent) == (S.PROCESSING, 4, 10.0)


def test_transition_from_another_status_is_a_conflict(store: JobStore) -> None:
    processing_job(store)

    with pytest.raises(ConditionFailedError):
        store.transition("j1", from_statuses={S.CREATED, S.CHUNKING}, to_status=S.PROCESSING)
    assert store.get("j1").status is S.PROCESSING  # type: ignore[union-attr]


def test_transition_of_a_missing_job_is_not_found(store: JobStore) -> None:
    with pytest.raises(NotFoundError):
        store.transition("nobody", from_statuses={S.CREATED}, to_status=S.CHUNKING)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.PROCESSING, S.CREATED),
        (S.REASSEMBLING, S.COMPLETED),  # only complete() completes
        (S.COMPLETED, S.FAILED),
        (S.FAILED, S.PROCESSING),
    ],
)
def test_illegal_transitions_are_refused_before_any_write(
    store: JobStore, source: JobStatus, target: JobStatus
) -> None:
    with pytest.raises(InvalidJobUpdateError, match="illegal transition"):
        store.transition("j1", from_statuses={source}, to_status=target)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "failed"},
        {"reassembly_lease_owner": "me"},
        {"colour": "red"},
        {"total_segments": 0},
    ],
)
def test_transition_refuses_managed_unknown_or_invalid_fields(
    store: JobStore, fields: dict[str, object]
) -> None:
    store.create_if_absent(new_job())

    with pytest.raises(InvalidJobUpdateError):
        store.transition("j1", from_statuses={S.CREATED}, to_status=S.PROCESSING, **fields)
    assert store.get("j1") == new_job()


def test_update_fields_sets_values_and_updated_at(store: JobStore, clock: Clock) -> None:
    store.create_if_absent(new_job())
    later = clock.advance(1)

    job = store.update_fields("j1", outputs={"thumbnail": "jobs/j1/thumbnail.jpg"})

    assert job.outputs == {"thumbnail": "jobs/j1/thumbnail.jpg"}
    assert job.updated_at == later
    assert job.status is S.CREATED
    with pytest.raises(NotFoundError):
        store.update_fields("nobody", total_segments=2)


# Progress -----------------------------------------------------------------------------


def test_record_progress_only_ever_goes_up(store: JobStore) -> None:
    processing_job(store, total=4)

    assert store.record_progress("j1", 2) is True
    assert store.record_progress("j1", 1) is False
    assert store.record_progress("j1", 2) is False
    job = store.get("j1")

    assert job is not None
    assert (job.completed_segments, job.progress_percent) == (2, 50.0)


def test_record_progress_leaves_final_jobs_alone(store: JobStore) -> None:
    processing_job(store)
    store.fail("j1", "video", "segment 2 is corrupt")

    assert store.record_progress("j1", 3) is False
    assert store.get("j1").completed_segments == 0  # type: ignore[union-attr]


def test_record_progress_of_a_missing_job_is_not_found(store: JobStore) -> None:
    with pytest.raises(NotFoundError):
        store.record_progress("nobody", 1)


# Failing ------------------------------------------------------------------------------


def test_fail_records_stage_and_reason_once(store: JobStore, clock: Clock) -> None:
    store.create_if_absent(new_job())
    later = clock.advance(2)

    assert store.fail("j1", "chunking", "no video stream") is True
    assert store.fail("j1", "video", "second opinion") is False
    job = store.get("j1")

    assert job is not None
    assert job.status is S.FAILED
    assert job.error == JobError(stage="chunking", reason="no video stream")
    assert job.stage_timestamps["failed"] == later


def test_fail_does_not_touch_completed_or_missing_jobs(store: JobStore) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 60)
    store.complete("j1", "media-1", {"final": "jobs/j1/final.mp4"})

    assert store.fail("j1", "media", "too late") is False
    assert store.get("j1").status is S.COMPLETED  # type: ignore[union-attr]
    assert store.fail("nobody", "chunking", "x") is False


def test_fail_releases_the_reassembly_lease(store: JobStore) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 60)

    store.fail("j1", "media", "concat failed: non-monotonic DTS")
    job = store.get("j1")

    assert job is not None
    assert (job.reassembly_lease_owner, job.reassembly_lease_until) == (None, None)


# The chunking lease -------------------------------------------------------------------


def test_claim_chunking_moves_a_created_job_and_holds_it(store: JobStore, clock: Clock) -> None:
    job, _ = store.create_if_absent(new_job())

    claimed = store.claim_chunking(job, "a1", 900, stage="chunking: downloading")

    assert claimed is not None and claimed.status is S.CHUNKING
    assert claimed.stage == "chunking: downloading"
    assert (claimed.chunking_lease_owner, claimed.chunking_lease_until) == (
        "a1",
        clock.now + timedelta(seconds=900),
    )
    assert store.get("j1") == claimed


def test_a_live_chunking_lease_keeps_duplicates_out_until_it_expires(
    store: JobStore, clock: Clock
) -> None:
    job, _ = store.create_if_absent(new_job())
    first = store.claim_chunking(job, "a1", 60, stage="chunking")
    assert first is not None
    entered = first.stage_timestamps["chunking"]

    assert store.claim_chunking(job, "a2", 60, stage="chunking") is None
    # The same token again is the same handling retrying a request that was written.
    assert store.claim_chunking(first, "a1", 60, stage="chunking") is not None
    clock.advance(60)
    taken = store.claim_chunking(first, "a2", 60, stage="chunking")

    assert taken is not None and taken.chunking_lease_owner == "a2"
    assert taken.stage_timestamps["chunking"] == entered  # the first entry's time is kept


def test_renewing_the_chunking_lease_needs_the_owner(store: JobStore, clock: Clock) -> None:
    job, _ = store.create_if_absent(new_job())
    store.claim_chunking(job, "a1", 60, stage="chunking")
    clock.advance(30)

    renewed = store.renew_chunking("j1", "a1", 60, stage="chunking: splitting")

    assert renewed is not None and renewed.stage == "chunking: splitting"
    assert renewed.chunking_lease_until == clock.now + timedelta(seconds=60)
    assert store.renew_chunking("j1", "a2", 60, stage="stolen") is None
    store.cancel("j1")
    assert store.renew_chunking("j1", "a1", 60, stage="chunking: uploaded 1/2") is None


def test_a_released_chunking_lease_is_free_and_leaving_chunking_ends_it(store: JobStore) -> None:
    job, _ = store.create_if_absent(new_job())
    first = store.claim_chunking(job, "a1", 900, stage="chunking")
    assert first is not None

    assert not store.release_chunking("j1", "a2")
    assert store.release_chunking("j1", "a1")
    again = store.claim_chunking(first, "a2", 900, stage="chunking")
    assert again is not None and again.chunking_lease_owner == "a2"
    moved = store.transition(
        "j1", from_statuses={S.CHUNKING}, to_status=S.PROCESSING, total_segments=2
    )

    assert (moved.chunking_lease_owner, moved.chunking_lease_until) == (None, None)
    assert store.claim_chunking(moved, "a3", 900, stage="chunking") is None


# The reassembly lease -----------------------------------------------------------------


def test_claim_takes_a_lease_and_moves_to_reassembling(store: JobStore, clock: Clock) -> None:
    processing_job(store)

    job = store.claim_reassembly("j1", "media-1", 900)

    assert job is not None
    assert job.status is S.REASSEMBLING
    assert job.reassembly_lease_owner == "media-1"
    assert job.reassembly_lease_until == clock.now + timedelta(seconds=900)
    assert job.progress_percent == 95.0
    assert store.get("j1") == job


def test_a_live_lease_keeps_others_out_until_it_expires(store: JobStore, clock: Clock) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 60)

    assert store.claim_reassembly("j1", "media-2", 60) is None
    clock.advance(59)
    assert store.claim_reassembly("j1", "media-2", 60) is None
    clock.advance(1)  # expires exactly now
    taken = store.claim_reassembly("j1", "media-2", 60)

    assert taken is not None
    assert taken.reassembly_lease_owner == "media-2"


def test_a_released_lease_lets_another_worker_claim_at_once(store: JobStore) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 900)

    assert not store.release_reassembly("j1", "media-2")  # not the owner: nothing changes
    assert store.claim_reassembly("j1", "media-2", 900) is None
    assert store.release_reassembly("j1", "media-1")

    released = store.get("j1")
    assert released is not None
    assert released.status is S.REASSEMBLING
    assert (released.reassembly_lease_owner, released.reassembly_lease_until) == (None, None)
    taken = store.claim_reassembly("j1", "media-2", 900)
    assert taken is not None and taken.reassembly_lease_owner == "media-2"
    assert not store.complete("j1", "media-1", {"final": "jobs/j1/final.mp4"})


def test_a_live_lease_refuses_every_claim_its_own_token_included(
    store: JobStore, clock: Clock
) -> None:
    # The lease is per attempt: a second message in the same process (whatever token it
    # brings) waits, so that one process never runs one job's reassembly twice at once.
    processing_job(store)
    first = store.claim_reassembly("j1", "media-1:m1:aa", 60)
    clock.advance(30)

    assert store.claim_reassembly("j1", "media-1:m2:bb", 60) is None
    assert store.claim_reassembly("j1", "media-1:m1:aa", 60) is None
    job = store.get("j1")
    assert first is not None and job is not None
    assert job.reassembly_lease_until == first.reassembly_lease_until


def test_claim_uses_the_given_now(store: JobStore, clock: Clock) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 60)

    taken = store.claim_reassembly("j1", "media-2", 60, now=clock.now + timedelta(seconds=61))

    assert taken is not None


def test_claim_needs_a_known_total_and_a_claimable_status(store: JobStore) -> None:
    store.create_if_absent(new_job("fresh"))
    store.create_if_absent(new_job("no-total"))
    store.transition("no-total", from_statuses={S.CREATED}, to_status=S.PROCESSING)

    assert store.claim_reassembly("fresh", "media-1", 60) is None
    assert store.claim_reassembly("no-total", "media-1", 60) is None
    with pytest.raises(NotFoundError):
        store.claim_reassembly("nobody", "media-1", 60)


def test_complete_happens_once_and_only_for_the_lease_owner(store: JobStore, clock: Clock) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 60)
    outputs = {"final": "jobs/j1/final.mp4", "thumbnail": "jobs/j1/thumbnail.jpg"}

    assert store.complete("j1", "media-2", outputs) is False
    assert store.complete("j1", "media-1", outputs) is True
    assert store.complete("j1", "media-1", outputs) is False
    job = store.get("j1")

    assert job is not None
    assert job.status is S.COMPLETED
    assert job.outputs == outputs
    assert job.completed_at == clock.now
    assert job.progress_percent == 100.0
    assert (job.reassembly_lease_owner, job.reassembly_lease_until) == (None, None)
    assert store.claim_reassembly("j1", "media-2", 60) is None


def test_complete_after_losing_an_expired_lease_is_refused(store: JobStore, clock: Clock) -> None:
    processing_job(store)
    store.claim_reassembly("j1", "media-1", 60)
    clock.advance(61)
    store.claim_reassembly("j1", "media-2", 60)

    assert store.complete("j1", "media-1", {}) is False
    assert store.complete("j1", "media-2", {}) is True


def test_complete_of_a_job_nobody_claimed_is_refused(store: JobStore) -> None:
    processing_job(store)

    assert store.complete("j1", "media-1", {}) is False
    assert store.complete("nobody", "media-1", {}) is False


# Listing ------------------------------------------------------------------------------


def test_list_by_status_reads_every_page_oldest_first(store: JobStore, clock: Clock) -> None:
    ids = [f"j{n}" for n in range(5)]
    for job_id in ids:
        clock.advance(1)
        processing_job(store, job_id)
    store.create_if_absent(new_job("waiting"))

    # page_size is 2: five jobs take three pages.
    assert [job.job_id for job in store.list_by_status(S.PROCESSING)] == ids
    assert [job.job_id for job in store.list_by_status(S.CREATED)] == ["waiting"]
    assert list(store.list_by_status(S.COMPLETED)) == []


def test_list_by_status_can_keep_only_stale_jobs(store: JobStore, clock: Clock) -> None:
    for job_id in ("old", "older-still", "recent"):
        clock.advance(60)
        processing_job(store, job_id)

    cutoff = clock.now - timedelta(seconds=30)
    stale = [job.job_id for job in store.list_by_status(S.PROCESSING, updated_before=cutoff)]

    assert stale == ["old", "older-still"]


# The detection merge lease (segment-parallel detection) ----------------------------------


def test_one_worker_claims_the_detection_merge_until_its_lease_expires(
    store: JobStore, clock: Clock
) -> None:
    store.create_if_absent(new_job())

    assert store.claim_detection_merge("j1", "det-a", 60)
    assert not store.claim_detection_merge("j1", "det-b", 60)
    assert store.claim_detection_merge("j1", "det-a", 60)  # its own lease again
    clock.advance(61)
    assert store.claim_detection_merge("j1", "det-b", 60)  # det-a died: taken over


def test_only_the_merge_owner_completes_the_detection_and_frees_the_lease(
    store: JobStore,
) -> None:
    store.create_if_absent(new_job())
    store.claim_detection_merge("j1", "det-a", 60)
    done = DetectionStatus(state=DetectionState.COMPLETED, frames_processed=3)

    assert not store.complete_detection("j1", "det-b", done)
    assert store.complete_detection("j1", "det-a", done)

    job = store.get("j1")
    assert job is not None and job.detection == done
    assert job.detection_merge_owner is None
    # A completed detection is not merged again, by anyone.
    assert not store.claim_detection_merge("j1", "det-c", 60)
