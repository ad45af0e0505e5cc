"""Container environment variables, named by the settings classes the workers read.

The names are never written out here: each comes from the ``validation_alias`` of a field in
``AwsSettings`` or ``RunnerSettings``, so renaming a setting renames it in the deployed task
definitions too (and a removed one fails the synth instead of being silently ignored).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_aws import AwsSettings, RunnerSettings
from vidpipe_infra.errors import InfraError
from vidpipe_types.topology import Worker

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings


def env_name(settings: type[BaseSettings], field_name: str) -> str:
    """The environment variable that ``settings.field_name`` is read from."""
    field = settings.model_fields.get(field_name)
    if field is None:
        raise InfraError(f"{settings.__name__} has no field {field_name!r}")
    alias = field.validation_alias
    if not isinstance(alias, str):
        raise InfraError(f"{settings.__name__}.{field_name} has no environment name")
    return alias


def aws_env(field_name: str) -> str:
    return env_name(AwsSettings, field_name)


def runner_env(field_name: str) -> str:
    return env_name(RunnerSettings, field_name)


def queue_url_env(worker: Worker) -> str:
    """CHUNKING_QUEUE_URL, VIDEO_QUEUE_URL, ...: AwsSettings' field for ``worker``'s queue."""
    return AwsSettings.queue_url_setting(Worker(worker))


#: The port the runner's health endpoint listens on, unless HEALTH_PORT says otherwise.
HEALTH_PORT: int = RunnerSettings.model_fields["health_port"].default
