"""The one exception root of vidpipe_infra."""

from __future__ import annotations


class InfraError(Exception):
    """Root of every error raised while building the stack."""


class ConfigError(InfraError):
    """A context value (``-c name=value``) is missing or invalid; the message says which."""
