"""VideoHandler over the in-memory fakes, with real ffmpeg on a real (tiny) segment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from media_support import chroma_spread
from video_support import (
    INPUT_BUCKET,
    NOW,
    OUTPUT_BUCKET,
    CountingModel,
    Worker,
    counting,
    event_body,
    message,
)

from vidpipe_aws import BadInput, RecordRetention, RetryLater
from vidpipe_aws.fakes import InMemorySegmentCompletionStore
from vidpipe_types import JobStatus, Mode, ReassemblyPayload, SegmentCompletion
from vidpipe_video import (
    GrayscaleModel,
    ModelOutputError,
    ModelRegistry,
    PassthroughModel,
    SegmentContext,
    SegmentModel,
)


@pytest.fixture
def passthrough() -> CountingModel:
    return counting(PassthroughModel())


@pytest.fixture
def registry(passthrough: CountingModel) -> ModelRegistry:
    registry = ModelRegistry([passthrough, GrayscaleModel()])
    registry.load_all()
    return registry


@pytest.fixture
def worker(tmp_path: Path, registry: ModelRegistry) -> Worker:
    return Worker(work_dir=tmp_path / "work", registry=registry)


def test_a_segment_is_processed_recorded_and_triggers_reassembly(
    worker: Worker, colour_segment: Path
) -> None:
    worker.add_job("job1", total=1)
    key = worker.upload_segment(colour_segment, "job1", 0, 1)

    worker.handle(key)

    output = worker.storage.head(OUTPUT_BUCKET, "jobs/job1/segments/0.mp4")
    assert output.content_type == "video/mp4"
    assert output.size == colour_segment.stat().st_size
    assert worker.completions.list("job1") == [
        SegmentCompletion(
            job_id="job1",
            segment_index=0,
            output_s3_uri=f"s3://{OUTPUT_BUCKET}/jobs/job1/segments/0.mp4",
            completed_at=NOW,
            total_segments=1,
            frame_count=25,  # what reassembly needs of it, so that it does not probe it again
            start_time=0.0,
        )
    ]
    assert worker.reassembly_requests() == [
        ReassemblyPayload(job_id="job1", total_segments=1, reason="completion")
    ]
    job = worker.jobs.get("job1")
    assert job is not None and job.completed_segments == 1
    assert worker.leftovers() == []


def test_reassembly_waits_for_the_last_segment_in_any_order(
    worker: Worker, colour_segment: Path
) -> None:
    worker.add_job("job2", total=3)
    keys = [worker.upload_segment(colour_segment, "job2", i, 3) for i in range(3)]

    worker.handle(keys[2])
    worker.handle(keys[0])
    assert worker.reassembly_requests() == []
    job = worker.jobs.get("job2")
    assert job is not None and job.completed_segments == 2

    worker.handle(keys[1])

    assert [c.segment_index for c in worker.completions.list("job2")] == [0, 1, 2]
    assert worker.reassembly_requests() == [
        ReassemblyPayload(job_id="job2", total_segments=3, reason="completion")
    ]


def test_a_completion_before_the_total_is_known_is_kept_without_trigger(
    worker: Worker, colour_segment: Path
) -> None:
    worker.add_job("early", status=JobStatus.CHUNKING)
    key = worker.upload_segment(colour_segment, "early", 0, 1)

    worker.handle(key)

    assert [c.segment_index for c in worker.completions.list("early")] == [0]
    assert worker.reassembly_requests() == []


def test_a_duplicate_event_is_not_reprocessed_but_evaluates_the_trigger_again(
    worker: Worker, passthrough: CountingModel, colour_segment: Path
) -> None:
    worker.add_job("dup", total=1)
    key = worker.upload_segment(colour_segment, "dup", 0, 1)

    worker.handle(key)
    worker.handler(message(event_body(key), receive_count=2))

    assert len(passthrough.calls) == 1
    assert len(worker.completions.list("dup")) == 1
    # Sent twice: the media-worker's lease absorbs the duplicate (reassembly protocol).
    assert [r.job_id for r in worker.reassembly_requests()] == ["dup", "dup"]


def test_an_output_without_its_completion_is_redone_and_recorded(
    worker: Worker, passthrough: CountingModel, colour_segment: Path
) -> None:
    # A worker killed after the upload, before the completion put.
    worker.add_job("crash", total=1)
    key = worker.upload_segment(colour_segment, "crash", 0, 1)
    worker.storage.upload_file(colour_segment, OUTPUT_BUCKET, "jobs/crash/segments/0.mp4")

    worker.handle(key)

    assert len(passthrough.calls) == 1
    assert len(worker.completions.list("crash")) == 1
    assert [r.job_id for r in worker.reassembly_requests()] == ["crash"]


def test_a_completion_put_before_a_crash_still_triggers_on_redelivery(
    worker: Worker, passthrough: CountingModel, colour_segment: Path
) -> None:
    # Killed after the completion put, before the trigger: nothing was sent yet.
    worker.add_job("late", total=1)
    key = worker.upload_segment(colour_segment, "late", 0, 1)
    worker.storage.upload_file(colour_segment, OUTPUT_BUCKET, "jobs/late/segments/0.mp4")
    worker.completions.put(
        SegmentCompletion(
            job_id="late",
            segment_index=0,
            output_s3_uri=f"s3://{OUTPUT_BUCKET}/jobs/late/segments/0.mp4",
            completed_at=NOW,
            total_segments=1,
        )
    )

    worker.handle(key)

    assert passthrough.calls == []
    assert [r.job_id for r in worker.reassembly_requests()] == ["late"]


def test_an_event_for_a_job_that_no_longer_exists_is_dropped(
    worker: Worker, colour_segment: Path
) -> None:
    key = worker.upload_segment(colour_segment, "ghost", 0, 1)

    worker.handle(key)

    assert worker.output_keys() == []
    assert worker.completions.list("ghost") == []
    assert worker.reassembly_requests() == []


@pytest.mark.parametrize("status", [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_an_event_for_a_final_job_is_dropped(
    worker: Worker, passthrough: CountingModel, colour_segment: Path, status: JobStatus
) -> None:
    worker.add_job("done", total=1, status=status)
    key = worker.upload_segment(colour_segment, "done", 0, 1)

    worker.handle(key)

    assert passthrough.calls == []
    assert worker.output_keys() == []
    assert worker.completions.list("done") == []
    assert worker.reassembly_requests() == []


@pytest.mark.parametrize(
    "key",
    [
        "input/upload.mp4",
        "segments/job1/0_1_passthrough.mp4",
        "segments/job1/00001_00001_passthrough.mp4",
        "segments/job1/00000_00001_sepia.mp4",
        "segments/../00000_00001_passthrough.mp4",
    ],
)
def test_a_key_that_is_not_a_segment_is_skipped(worker: Worker, key: str) -> None:
    worker.add_job("job1", total=1)

    worker.handle(key)

    assert worker.output_keys() == []
    assert worker.completions.list("job1") == []


@pytest.mark.parametrize(
    "body",
    [
        '{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"vidpipe-input"}',
        "not json",
        '{"Records": [{"eventName": "ObjectRemoved:Delete"}]}',
    ],
)
def test_a_message_without_object_created_records_is_done_with(
    worker: Worker, passthrough: CountingModel, body: str
) -> None:
    worker.handler(message(body))

    assert passthrough.calls == []
    assert worker.output_keys() == []


def test_grayscale_output_really_is_grey(worker: Worker, colour_segment: Path) -> None:
    worker.add_job("grey", total=1, mode=Mode.GRAYSCALE)
    key = worker.upload_segment(colour_segment, "grey", 0, 1, Mode.GRAYSCALE)

    worker.handle(key)

    output = worker.work_dir.parent / "grey.mp4"
    worker.storage.download_file(OUTPUT_BUCKET, "jobs/grey/segments/0.mp4", output)
    assert chroma_spread(colour_segment, 96, 64) > 40  # the source is colourful
    assert chroma_spread(output, 96, 64) <= 2
    assert [r.job_id for r in worker.reassembly_requests()] == ["grey"]
    # A re-encoded output is probed by the handler; its frame count goes with the completion.
    (completion,) = worker.completions.list("grey")
    assert completion.frame_count == 25


class UnreadableOutputModel(SegmentModel):
    name = Mode.GRAYSCALE.value

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        dst.write_bytes(b"not a video at all")


def test_an_output_ffprobe_cannot_read_is_a_model_error_and_records_nothing(
    tmp_path: Path, colour_segment: Path
) -> None:
    registry = ModelRegistry([UnreadableOutputModel()])
    registry.load_all()
    worker = Worker(tmp_path / "work", registry)
    worker.add_job("bad", total=1, mode=Mode.GRAYSCALE)
    key = worker.upload_segment(colour_segment, "bad", 0, 1, Mode.GRAYSCALE)

    with pytest.raises(ModelOutputError, match="'grayscale' wrote an output ffprobe cannot read"):
        worker.handle(key)

    assert worker.completions.list("bad") == []
    assert worker.output_keys() == []


def test_a_mode_not_enabled_here_is_retried_later_and_names_the_setting(
    tmp_path: Path, colour_segment: Path
) -> None:
    only_passthrough = ModelRegistry([PassthroughModel()])
    only_passthrough.load_all()
    worker = Worker(tmp_path / "work", only_passthrough, enabled_models="passthrough")
    worker.add_job("gray", total=1, mode=Mode.GRAYSCALE)
    key = worker.upload_segment(colour_segment, "gray", 0, 1, Mode.GRAYSCALE)

    with pytest.raises(RetryLater) as caught:
        worker.handle(key)

    assert "'grayscale' is not available" in caught.value.reason
    assert "ENABLED_MODELS=passthrough" in caught.value.reason
    assert worker.completions.list("gray") == []


def test_segments_wait_while_models_are_loading(tmp_path: Path, colour_segment: Path) -> None:
    worker = Worker(tmp_path / "work", ModelRegistry([PassthroughModel()]))
    worker.add_job("early", total=1)
    key = worker.upload_segment(colour_segment, "early", 0, 1)

    with pytest.raises(RetryLater, match="loading"):
        worker.handle(key)


def test_a_segment_that_is_no_video_fails_the_job_with_its_reason(worker: Worker) -> None:
    worker.add_job("bad", total=2)
    junk = worker.work_dir.parent / "junk.mp4"
    junk.write_bytes(b"this is not a video at all" * 10)
    key = worker.upload_segment(junk, "bad", 1, 2)

    with pytest.raises(BadInput) as caught:
        worker.handle(key)

    assert caught.value.job_id == "bad"
    assert caught.value.stage == "processing"
    assert caught.value.reason.startswith("segment 1 of 2: ")
    assert "video" in caught.value.reason
    assert worker.output_keys() == []
    assert worker.completions.list("bad") == []
    assert worker.leftovers() == []


def test_a_segment_missing_from_the_input_bucket_fails_the_job(worker: Worker) -> None:
    worker.add_job("gone", total=1)

    with pytest.raises(BadInput) as caught:
        worker.handle("segments/gone/00000_00001_passthrough.mp4")

    assert caught.value.job_id == "gone"
    assert "missing from the input bucket" in caught.value.reason


def test_model_artifacts_are_uploaded_before_the_completion(
    tmp_path: Path, colour_segment: Path
) -> None:
    model = counting(PassthroughModel(), artifact_key="jobs/art/frames/frame_0000.png")
    registry = ModelRegistry([model])
    registry.load_all()
    worker = Worker(tmp_path / "work", registry)
    worker.add_job("art", total=1)
    key = worker.upload_segment(colour_segment, "art", 0, 1)

    worker.handle(key)

    assert sorted(worker.output_keys()) == [
        "jobs/art/frames/frame_0000.png",
        "jobs/art/segments/0.mp4",
    ]
    assert model.calls[0].options.mode is Mode.PASSTHROUGH
    assert model.calls[0].segment_index == 0


@pytest.mark.parametrize("artifact_key", ["jobs/other/frames/frame_0000.png", "input/x.png"])
def test_an_artifact_outside_the_job_outputs_is_refused(
    tmp_path: Path, colour_segment: Path, artifact_key: str
) -> None:
    registry = ModelRegistry([counting(PassthroughModel(), artifact_key=artifact_key)])
    registry.load_all()
    worker = Worker(tmp_path / "work", registry)
    worker.add_job("art", total=1)
    key = worker.upload_segment(colour_segment, "art", 0, 1)

    with pytest.raises(ModelOutputError, match="outside"):
        worker.handle(key)

    assert worker.output_keys() == []
    assert worker.completions.list("art") == []


def test_a_model_that_writes_nothing_is_an_error_not_a_completion(
    worker: Worker, passthrough: CountingModel, colour_segment: Path
) -> None:
    passthrough.write_output = False
    worker.add_job("empty", total=1)
    key = worker.upload_segment(colour_segment, "empty", 0, 1)

    with pytest.raises(ModelOutputError):
        worker.handle(key)

    assert worker.completions.list("empty") == []
    assert worker.leftovers() == []


def test_events_for_other_buckets_are_read_from_their_own_bucket(
    worker: Worker, colour_segment: Path
) -> None:
    worker.add_job("other", total=1)
    key = "segments/other/00000_00001_passthrough.mp4"
    worker.storage.upload_file(colour_segment, "staging-input", key)

    worker.handler(message(event_body(key, bucket="staging-input")))

    assert worker.storage.exists(OUTPUT_BUCKET, "jobs/other/segments/0.mp4")
    assert not worker.storage.exists(INPUT_BUCKET, key)


class CancellingModel(CountingModel):
    """Cancels the job while it runs, as a caller of the HTTP API may during a long model."""

    name = PassthroughModel.name

    def __init__(self, inner: SegmentModel, cancel: Callable[[str], object]) -> None:
        super().__init__(inner)
        self._cancel = cancel

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        super().process(src, dst, context)
        self._cancel(context.job_id)


def test_a_cancel_while_the_model_runs_uploads_and_records_nothing(
    tmp_path: Path, colour_segment: Path
) -> None:
    holder: list[Worker] = []
    model = CancellingModel(PassthroughModel(), lambda job_id: holder[0].jobs.cancel(job_id))
    registry = ModelRegistry([model])
    registry.load_all()
    worker = Worker(work_dir=tmp_path / "work", registry=registry)
    holder.append(worker)
    worker.add_job("cancelled", total=1)
    key = worker.upload_segment(colour_segment, "cancelled", 0, 1)

    worker.handle(key)

    assert len(model.calls) == 1
    assert worker.output_keys() == []
    assert worker.completions.list("cancelled") == []
    assert worker.reassembly_requests() == []
    assert worker.leftovers() == []


def test_the_processed_segment_is_intermediate_and_its_completion_expires(
    tmp_path: Path, registry: ModelRegistry, colour_segment: Path
) -> None:
    worker = Worker(
        work_dir=tmp_path / "work",
        registry=registry,
        completions=InMemorySegmentCompletionStore(retention=RecordRetention(30)),
    )
    worker.add_job("job1", total=1)
    worker.handle(worker.upload_segment(colour_segment, "job1", 0, 1))

    tags = worker.storage.tags(OUTPUT_BUCKET, "jobs/job1/segments/0.mp4")
    assert tags == {"vidpipe-retention": "intermediate"}
    assert worker.completions.expires_at("job1", 0) == int(NOW.timestamp()) + 30 * 86_400
