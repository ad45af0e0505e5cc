"""The deployment config: one TOML file (``-c config=deploy.toml``) that sets the stack's options
and gives any worker setting, or secret, to the services that read it.

    prefix = "acme-vidpipe"          # any StackConfig option (context values override them)
    gpu = true

    [settings]                       # every service
    CALLBACK_URL = "https://hooks.example.com/vidpipe"

    [secrets]                        # every service: Secrets Manager ARNs, never values
    WEBHOOK_SIGNING_SECRET = "arn:aws:secretsmanager:...:secret:vidpipe/webhook-AbCdEf"

    [services.media-worker.settings]
    ANALYSIS_DEPTH = "deep"
    [services.media-worker.secrets]
    GEMINI_API_KEY = "arn:aws:secretsmanager:...:secret:vidpipe/gemini-AbCdEf"

Every name is checked against the settings the service's worker reads, every value by the
worker's own settings class (``vidpipe_infra.settings_schema``): a typo or a bad value fails
``cdk synth`` with the reason instead of being ignored by the worker in production. Key
material is only ever given as an ARN: the template holds the ARN, ECS injects the value, and
only the execution role of a service that names the secret may read it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vidpipe_infra.errors import ConfigError
from vidpipe_infra.settings_schema import SCHEMAS, STACK_SET

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: A complete secret ARN (with the six-character suffix Secrets Manager appends).
SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}"
)
_CONFIG = ConfigDict(frozen=True, extra="forbid")
SettingValue = str | int | float | bool


def env_text(value: SettingValue) -> str:
    """How a TOML value reaches the container: environment variables are text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ServiceSettings(BaseModel):
    model_config = _CONFIG

    settings: dict[str, SettingValue] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)

    @field_validator("secrets")
    @classmethod
    def _arns(cls, value: dict[str, str]) -> dict[str, str]:
        for name, arn in value.items():
            if not SECRET_ARN.fullmatch(arn):
                # The value itself is never echoed: it may be the key pasted by mistake.
                raise ValueError(
                    f"secret {name} must be the complete ARN of a Secrets Manager secret "
                    "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)"
                )
        return value


class WorkerConfig(BaseModel):
    """The ``[settings]``, ``[secrets]`` and ``[services.*]`` part of the config file."""

    model_config = _CONFIG

    settings: dict[str, SettingValue] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    services: dict[str, ServiceSettings] = Field(default_factory=dict)

    @field_validator("secrets")
    @classmethod
    def _arns(cls, value: dict[str, str]) -> dict[str, str]:
        return ServiceSettings._arns(value)

    def environment(self, service: str) -> dict[str, str]:
        own = self.services.get(service, ServiceSettings())
        return {name: env_text(v) for name, v in {**self.settings, **own.settings}.items()}

    def secrets_of(self, service: str) -> dict[str, str]:
        own = self.services.get(service, ServiceSettings())
        return {**self.secrets, **own.secrets}

    def check(self, deployed: Iterable[str]) -> None:
        """Raise ConfigError unless every name and value is one the deployed services read."""
        deployed = tuple(deployed)
        unknown = sorted(set(self.services) - set(SCHEMAS))
        if unknown:
            raise ConfigError(f"unknown services {unknown}: choose from {sorted(SCHEMAS)}")
        idle = sorted(set(self.services) - set(deployed))
        if idle:
            # Settings for a service this stack does not run would silently do nothing.
            raise ConfigError(
                f"services {idle} are not deployed (see the gpu and detection options)"
            )
        for name in (*self.settings, *self.secrets):
            missing = [
                s for s in deployed if name not in SCHEMAS[s].names | SCHEMAS[s].secret_names
            ]
            if missing:
                raise ConfigError(
                    f"setting {name} under [settings] is not read by {missing}: "
                    "give it under [services.<name>.settings] of the services that read it"
                )
        for service in deployed:
            self._check_service(service)

    def _check_service(self, service: str) -> None:
        schema = SCHEMAS[service]
        env = self.environment(service)
        for name in env:
            if name in STACK_SET:
                raise ConfigError(f"{service}: {name} is set by the stack itself")
            if name in schema.secret_names:
                raise ConfigError(
                    f"{service}: {name} is key material: give a Secrets Manager ARN under "
                    f"[services.{service}.secrets] (or [secrets]), never the value"
                )
            if name not in schema.names:
                known = ", ".join(sorted(schema.names - STACK_SET))
                raise ConfigError(f"{service}: unknown setting {name}; it reads {known}")
        for name in self.secrets_of(service):
            if name not in schema.secret_names:
                raise ConfigError(f"{service}: {name} is not a secret setting of this worker")
        schema.validate(service, env)


def load_config_file(path: str | Path) -> tuple[dict[str, Any], WorkerConfig]:
    """The stack options and the worker config in the TOML file at ``path``."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the deployment config {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    return split_config(data, source=str(file))


def split_config(
    data: Mapping[str, Any], *, source: str = "config"
) -> tuple[dict[str, Any], WorkerConfig]:
    worker_keys = {"settings", "secrets", "services"}
    options = {k: v for k, v in data.items() if k not in worker_keys}
    try:
        workers = WorkerConfig.model_validate({k: v for k, v in data.items() if k in worker_keys})
    except ValidationError as exc:
        # Without the input: a secret's value pasted in place of its ARN is never echoed.
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_input=False)
        )
        raise ConfigError(f"{source}: {reasons}") from None
    return options, workers
