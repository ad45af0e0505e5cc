"""The CDK app: ``cdk synth`` / ``cdk deploy`` run ``python -m vidpipe_infra.app``.

Context values (``-c name=value``, see infra/README.md) pick the prefix, the image tag and the
options; ``CDK_DEFAULT_ACCOUNT`` / ``CDK_DEFAULT_REGION`` (set by the CDK CLI from your AWS
profile) pick where it goes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_cdk import App, Environment

from vidpipe_infra.config import StackConfig
from vidpipe_infra.stack import VidpipeStack

if TYPE_CHECKING:
    from collections.abc import Mapping


def build_app(context: Mapping[str, Any] | None = None, *, outdir: str | None = None) -> App:
    """An app holding one ``VidpipeStack``, configured from ``context`` (and ``cdk.json``)."""
    app = App(context=dict(context or {}), outdir=outdir)
    config = StackConfig.from_context(app.node)
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    env = Environment(account=account, region=region) if account and region else None
    VidpipeStack(
        app,
        stack_name(config),
        config=config,
        env=env,
        description="vidpipe: video-processing pipeline (buckets, queues, tables, ECS workers)",
    )
    return app


def stack_name(config: StackConfig) -> str:
    return f"{config.prefix}-stack"


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
