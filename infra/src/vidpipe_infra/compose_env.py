"""The deployment config as env files for docker-compose.localstack.yml, so that a local stack
reads the same settings, by the same names, as the deployed one.

    .venvs/infra/bin/python -m vidpipe_infra.compose_env infra/deploy.toml
    # or: npx nx run infra:compose-env -- infra/deploy.toml

writes ``.vidpipe/compose/<service>.env`` for every compose service, which the compose file
reads through ``env_file`` (optional: without them the stack runs on the defaults). Each file
holds what the stack gives that service from the config: its ``[settings]`` and
``[services.<service>.settings]`` (checked as ``cdk synth`` checks them) and the record
retention. What compose sets itself under ``environment`` wins: the LocalStack endpoints and
resource names, the local SAM2 checkpoint. Secrets are Secrets Manager ARNs in the config and
are never resolved here: a file names them in a comment only, unless ``--secrets-from-env`` is
given, which writes the values of those variables from the developer's own environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_infra.config import StackConfig
from vidpipe_infra.env import aws_env
from vidpipe_infra.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: Where the compose file looks for the env files (relative to the repository root).
DEFAULT_DIR = Path(".vidpipe/compose")
#: Each compose service, and the deployed service whose settings it takes (None: the API,
#: which the deployment config gives no worker settings).
COMPOSE_SERVICES: dict[str, str | None] = {
    "chunking-worker": "chunking-worker",
    "import-worker": "import-worker",
    "api": None,
    "video-worker": "video-worker",
    "video-worker-sam2": "video-gpu-worker",
    "media-worker": "media-worker",
    "detection-worker": "detection-worker",
}
_HEADER = (
    "# Rendered from {source} by `python -m vidpipe_infra.compose_env`: edit the deployment\n"
    "# config and render again. Compose's own `environment` entries win over these.\n"
)


def service_environment(config: StackConfig, service: str | None) -> dict[str, str]:
    """What the stack sets on ``service`` from the config (not from its own resources)."""
    env = {aws_env("job_retention_days"): str(config.job_retention_days)}
    if service is not None:
        env.update(config.workers.environment(service))
    return env


def render(
    config: StackConfig,
    compose_service: str,
    *,
    source: str = "the deployment config",
    secrets_from: Mapping[str, str] | None = None,
) -> str:
    """One env file: ``NAME='value'`` lines, single-quoted so that neither compose nor
    podman-compose interpolates them. With ``secrets_from`` (an environment), the service's
    secrets are written with their values from it; without, they are named in a comment."""
    service = COMPOSE_SERVICES[compose_service]
    lines = [_HEADER.format(source=source)]
    for name, value in sorted(service_environment(config, service).items()):
        lines.append(f"{name}={_quote(name, value)}\n")
    secrets = sorted(config.workers.secrets_of(service)) if service is not None else []
    for name in secrets:
        if secrets_from is None:
            lines.append(
                f"# {name}: a secret (a Secrets Manager ARN in AWS), never written from the "
                "config: render with --secrets-from-env to take it from your environment\n"
            )
            continue
        secret = secrets_from.get(name)
        if not secret:
            raise ConfigError(
                f"{compose_service}: secret {name} is not set in the environment "
                "(--secrets-from-env writes the values of your own variables): export it first"
            )
        lines.append(f"{name}={_quote(name, secret)}\n")
    return "".join(lines)


def write_env_files(
    config: StackConfig,
    directory: Path = DEFAULT_DIR,
    *,
    source: str = "the deployment config",
    secrets_from: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write every compose service's file (also the empty ones: no stale file is left)."""
    rendered = {
        name: render(config, name, source=source, secrets_from=secrets_from)
        for name in COMPOSE_SERVICES
    }
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered.items():
        path = directory / f"{name}.env"
        partial = path.with_name(f".{path.name}.part")
        partial.write_text(text, encoding="utf-8")
        if secrets_from is not None:
            partial.chmod(0o600)  # it may hold secret values now
        partial.replace(path)
        written.append(path)
    return written


def _quote(name: str, value: str) -> str:
    if "'" in value or "\n" in value or "\r" in value:
        raise ConfigError(f"{name}: a value with a quote or a line break cannot go in an env file")
    return f"'{value}'"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vidpipe_infra.compose_env",
        description="Render a deployment config into the env files of "
        "docker-compose.localstack.yml.",
    )
    parser.add_argument("config", type=Path, help="the deployment config (TOML)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_DIR,
        help=f"folder of the env files (default: {DEFAULT_DIR}, where the compose file reads)",
    )
    parser.add_argument(
        "--secrets-from-env",
        action="store_true",
        help="write the config's secrets with their values from this environment",
    )
    args = parser.parse_args(argv)
    try:
        config = StackConfig.from_values({"config": str(args.config)}.get)
        written = write_env_files(
            config,
            args.out,
            source=args.config.name,
            secrets_from=os.environ if args.secrets_from_env else None,
        )
    except ConfigError as exc:
        print(f"compose_env: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
