"""The FastAPI application: versioned routes under /v1, health checks, error answers.

No ``from __future__ import annotations`` here: FastAPI reads the route functions' annotations
at runtime to build the parameters, the validation and the OpenAPI schema.
"""

import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from vidpipe_api.auth import Tenant
from vidpipe_api.console import mount_console
from vidpipe_api.errors import ApiError, Unauthorized
from vidpipe_api.events import job_events
from vidpipe_api.jobs_service import JobsService
from vidpipe_api.models import CreateJobRequest, CreateJobResponse, JobListResponse, JobResponse
from vidpipe_api.views import MAX_FRAMES_PAGE, job_response, job_summary
from vidpipe_aws import (
    MAX_TENANT_PAGE,
    AwsAdapterError,
    InvalidCursorError,
    RetryableAwsError,
)
from vidpipe_types.job import JobStatus

if TYPE_CHECKING:
    from vidpipe_api.context import ApiContext

logger = logging.getLogger(__name__)

API_VERSION = "1"
_READINESS_PROBE_ID = "readiness-probe"


def create_app(context: "ApiContext") -> FastAPI:
    app = FastAPI(
        title="vidpipe API",
        version=API_VERSION,
        description="Create video jobs, upload or import their source, follow and fetch them.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.context = context
    service = JobsService(context)
    _add_error_handlers(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"])
    def ready() -> JSONResponse:
        """The job and key tables answer."""
        try:
            context.jobs.get(_READINESS_PROBE_ID)
            context.api_keys.get("0" * 16)
        except AwsAdapterError as exc:
            logger.warning("not ready: %s", exc)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.post("/v1/jobs", status_code=201, tags=["jobs"])
    def create_job(
        body: CreateJobRequest,
        tenant: Tenant,
        response: Response,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> CreateJobResponse:
        """Create a job. With `upload`, the answer carries a form to POST the file straight to
        S3; with `source_url`, vidpipe fetches it. The same `Idempotency-Key` (per tenant)
        returns the same job (200 instead of 201)."""
        job, form, created = service.create(tenant, body, idempotency_key)
        if not created:
            response.status_code = 200
        return CreateJobResponse(job=job_response(context, job, with_links=False), upload=form)

    @app.get("/v1/jobs", tags=["jobs"])
    def list_jobs(
        tenant: Tenant,
        status: JobStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_TENANT_PAGE)] = 20,
        cursor: Annotated[str | None, Query(max_length=2048)] = None,
    ) -> JobListResponse:
        """Your jobs, newest first; pass `next_cursor` back as `cursor` for the next page."""
        jobs, next_cursor = service.list(tenant, status, limit, cursor)
        return JobListResponse(jobs=[job_summary(job) for job in jobs], next_cursor=next_cursor)

    @app.get("/v1/jobs/{job_id}", tags=["jobs"])
    def get_job(
        job_id: str,
        tenant: Tenant,
        frames_limit: Annotated[int, Query(ge=1, le=MAX_FRAMES_PAGE)] = 20,
        frames_cursor: Annotated[str | None, Query(max_length=16)] = None,
    ) -> JobResponse:
        """A job with its stages, progress, error and presigned output URLs."""
        job = service.get_for_tenant(tenant, job_id)
        return job_response(context, job, frames_limit=frames_limit, frames_cursor=frames_cursor)

    @app.post("/v1/jobs/{job_id}/cancel", tags=["jobs"])
    def cancel_job(job_id: str, tenant: Tenant) -> JobResponse:
        """Cancel a job that is not final (again: the same answer); 409 for a final job."""
        return job_response(context, service.cancel(tenant, job_id), with_links=False)

    @app.delete("/v1/jobs/{job_id}", status_code=204, tags=["jobs"])
    def delete_job(job_id: str, tenant: Tenant) -> Response:
        """Cancel the job if needed, then delete its objects and records."""
        service.delete(tenant, job_id)
        return Response(status_code=204)

    @app.get(
        "/v1/jobs/{job_id}/events",
        tags=["jobs"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def job_event_stream(job_id: str, tenant: Tenant, request: Request) -> StreamingResponse:
        """Server-sent events (`job`, then `end`) on every status or progress change."""
        service.get_for_tenant(tenant, job_id)  # 404 before the stream starts
        return StreamingResponse(
            job_events(context, service, tenant, job_id, request),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    mount_console(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(
            {"detail": exc.detail, **exc.extra}, status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(InvalidCursorError)
    async def bad_cursor(request: Request, exc: InvalidCursorError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RetryableAwsError)
    async def unavailable(request: Request, exc: RetryableAwsError) -> JSONResponse:
        logger.warning("AWS unavailable: %s", exc)
        return JSONResponse(
            {"detail": "the service is briefly unavailable; try again"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
