"""The URL import step: fetch a caller's URL safely, then upload it as the job's input.

The upload lands on the job's ``input/`` key with the job's id in its ``job-id`` metadata, so
the S3 event starts the pipeline exactly as a direct upload does and the chunking-worker
finds the job record the HTTP API created.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_aws.url_fetch import FetchPolicy, fetch_to_file, resolve_host
from vidpipe_types.ids import JOB_ID_METADATA_KEY

if TYPE_CHECKING:
    from collections.abc import Callable

    from vidpipe_aws.storage import ObjectInfo, ObjectStorage
    from vidpipe_types.payloads import ImportRequest

_FALLBACK_CONTENT_TYPE = "application/octet-stream"


def import_url(
    request: ImportRequest,
    storage: ObjectStorage,
    policy: FetchPolicy,
    *,
    work_dir: Path | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    before_upload: Callable[[], None] | None = None,
    resolve: Callable[[str, int], list[str]] = resolve_host,
) -> ObjectInfo:
    """Fetch ``request.source_url`` and upload it to ``request.bucket``/``request.key``.

    ``before_upload`` runs between the two (the import worker checks there that the job was
    not cancelled meanwhile; whatever it raises stops the import, the download removed).
    Raises the fetcher's UrlFetchError subclasses (the job should fail with their message)
    and the storage's errors (worth a retry).
    """
    with tempfile.TemporaryDirectory(prefix=f"import-{request.job_id}-", dir=work_dir) as tmp:
        source = Path(tmp) / "source"
        result = fetch_to_file(
            request.source_url, source, policy, progress=progress, resolve=resolve
        )
        if before_upload is not None:
            before_upload()
        content_type = result.content_type or _FALLBACK_CONTENT_TYPE
        storage.upload_file(
            source,
            request.bucket,
            request.key,
            content_type=content_type.split(";", 1)[0].strip(),
            metadata={JOB_ID_METADATA_KEY: request.job_id},
        )
    return storage.head(request.bucket, request.key)
