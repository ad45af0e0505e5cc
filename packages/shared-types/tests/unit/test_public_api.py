import importlib

import vidpipe_types


def test_every_exported_name_exists() -> None:
    missing = [name for name in vidpipe_types.__all__ if not hasattr(vidpipe_types, name)]
    assert missing == []


def test_exports_are_unique_and_cover_the_documented_api() -> None:
    exported = vidpipe_types.__all__
    assert len(exported) == len(set(exported))
    documented = {
        "build_segment_key",
        "parse_segment_key",
        "build_output_segment_key",
        "parse_output_segment_key",
        "build_job_output_key",
        "build_frame_key",
        "is_input_key",
        "s3_uri",
        "parse_s3_uri",
        "INPUT_PREFIX",
        "SEGMENTS_PREFIX",
        "JOBS_PREFIX",
        "JobArtifact",
        "derive_job_id",
        "job_id_from_metadata",
        "is_valid_job_id",
        "JobId",
        "Mode",
        "parse_s3_event_body",
        "ObjectCreated",
        "ChunkingPayload",
        "VideoWorkerPayload",
        "SegmentCompletion",
        "ReassemblyPayload",
        "DetectionRequest",
        "JobStatus",
        "JobOptions",
        "JobError",
        "Job",
        "progress_for",
        "StackNames",
        "QueueSpec",
        "NotificationRule",
        "NOTIFICATION_RULES",
        "NOTIFICATIONS",
        "QUEUES",
        "TABLES",
        "TableSpec",
        "MAX_RECEIVE_COUNT",
        "assert_notifications_disjoint",
        "VidpipeTypesError",
        "InvalidJobIdError",
        "InvalidKeyError",
        "InvalidJobOptionsError",
        "OverlappingNotificationsError",
    }
    assert documented - set(exported) == set()


def test_documented_modules_import() -> None:
    for module in ("errors", "ids", "modes", "keys", "events", "payloads", "job", "topology"):
        assert importlib.import_module(f"vidpipe_types.{module}").__name__.endswith(module)


def test_errors_share_one_root() -> None:
    for name in (
        "InvalidJobIdError",
        "InvalidKeyError",
        "InvalidJobOptionsError",
        "OverlappingNotificationsError",
    ):
        assert issubclass(getattr(vidpipe_types, name), vidpipe_types.VidpipeTypesError)
