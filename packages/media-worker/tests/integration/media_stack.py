"""A provisioned stack on the moto server with real adapters, and jobs whose segments are done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from vidpipe_aws import (
    AwsClients,
    DynamoCompletionStore,
    DynamoJobStore,
    ProvisionedStack,
    S3Storage,
    SqsQueue,
)
from vidpipe_ffmpeg import split
from vidpipe_types import (
    Job,
    JobOptions,
    JobStatus,
    SegmentCompletion,
    build_output_segment_key,
    s3_uri,
)


@dataclass
class Stack:
    provisioned: ProvisionedStack
    clients: AwsClients
    storage: S3Storage
    jobs: DynamoJobStore
    completions: DynamoCompletionStore
    reassembly: SqsQueue
    reassembly_dlq: SqsQueue

    @property
    def output_bucket(self) -> str:
        return self.provisioned.output_bucket

    def processed_job(
        self,
        job_id: str,
        source: Path,
        work_dir: Path,
        *,
        segment_seconds: float,
        strategy: Literal["auto", "copy", "reencode"] = "auto",
        options: JobOptions | None = None,
    ) -> int:
        """Split `source`, store its segments as processed outputs with their completions, and
        leave the job in `processing` with its total, as the other workers would. The total."""
        segments = split(source, work_dir / job_id, segment_seconds, strategy=strategy).segments
        total = len(segments)
        now = datetime.now(UTC)
        key = f"input/{job_id}.mp4"
        self.jobs.create_if_absent(
            Job.new(job_id, self.provisioned.input_bucket, key, options or JobOptions(), now)
        )
        self.jobs.transition(
            job_id, from_statuses={JobStatus.CREATED}, to_status=JobStatus.CHUNKING
        )
        for segment in segments:
            out_key = build_output_segment_key(job_id, segment.index)
            self.storage.upload_file(segment.path, self.output_bucket, out_key)
            self.completions.put(
                SegmentCompletion(
                    job_id=job_id,
                    segment_index=segment.index,
                    output_s3_uri=s3_uri(self.output_bucket, out_key),
                    completed_at=datetime.now(UTC),
                    total_segments=total,
                )
            )
        self.jobs.transition(
            job_id,
            from_statuses={JobStatus.CHUNKING},
            to_status=JobStatus.PROCESSING,
            total_segments=total,
        )
        return total
