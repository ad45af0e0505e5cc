"""Context values: parsed, validated, and turned into a stack."""

from __future__ import annotations

import pytest
from aws_cdk import App
from aws_cdk import aws_logs as logs

from vidpipe_infra import ConfigError, StackConfig
from vidpipe_infra.compute import retention


def _config(**context: object) -> StackConfig:
    return StackConfig.from_context(App(context=dict(context)).node)


def test_defaults_without_context() -> None:
    config = _config()
    assert config.prefix == "vidpipe"
    assert config.gpu is False
    assert config.detection is True
    assert config.image_tag == "0.1.0"


def test_cli_strings_are_converted() -> None:
    config = _config(gpu="true", detection="no", intermediate_retention_days="3", image_tag="v2")
    assert config.gpu is True
    assert config.detection is False
    assert config.intermediate_retention_days == 3
    assert config.image_tag == "v2"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"gpu": "maybe"}, "not a boolean"),
        ({"intermediate_retention_days": "a week"}, "not a whole number"),
        ({"intermediate_retention_days": "0"}, "at least 1"),
        ({"prefix": "Not_Valid"}, "invalid context"),
        ({"oldest_message_alarm_seconds": "5"}, "at least 60"),
    ],
)
def test_bad_context_is_refused_with_a_reason(context: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(**context)


def test_log_retention_rounds_down_to_an_allowed_value() -> None:
    assert retention(30) is logs.RetentionDays.ONE_MONTH
    assert retention(45) is logs.RetentionDays.ONE_MONTH
    assert retention(0) is logs.RetentionDays.ONE_DAY
