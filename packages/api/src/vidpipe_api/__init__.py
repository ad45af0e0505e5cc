"""vidpipe_api: the HTTP API for applications (FastAPI), typed with vidpipe_types' models."""

from vidpipe_api.app import API_VERSION, create_app
from vidpipe_api.context import ApiContext
from vidpipe_api.settings import ApiSettings

__all__ = ["API_VERSION", "ApiContext", "ApiSettings", "create_app"]
