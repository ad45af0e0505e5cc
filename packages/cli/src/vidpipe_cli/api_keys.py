"""`vidpipe api-keys create|list|revoke`: the HTTP API's keys, in the stack's api-keys table.

A key is shown once, when it is created; the table keeps only its hash. Revoking is by the
key's public id (the 16 hex digits after `vpk_`), which `list` shows.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol, cast

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vidpipe_aws import DynamoApiKeyStore
from vidpipe_cli.errors import VidpipeCliError

if TYPE_CHECKING:
    from vidpipe_aws import ApiKeyStore
    from vidpipe_cli.target import Target
    from vidpipe_types import ApiKey


class ApiKeyNotFoundError(VidpipeCliError):
    """No API key has the given id."""


class _HasTarget(Protocol):
    def target(self) -> Target: ...


def api_key_store(target: Target) -> ApiKeyStore:
    return DynamoApiKeyStore(target.clients.dynamodb, target.names.api_keys_table)


def _store(ctx: click.Context) -> ApiKeyStore:
    # The `vidpipe` group's context object (main.CliContext) builds the target on first use.
    return api_key_store(cast("_HasTarget", ctx.find_root().obj).target())


def _row(key: ApiKey) -> dict[str, str | None]:
    return {
        "key_id": key.key_id,
        "tenant_id": key.tenant_id,
        "name": key.name,
        "created_at": key.created_at.isoformat(timespec="seconds"),
        "revoked_at": None if key.revoked_at is None else key.revoked_at.isoformat("T", "seconds"),
    }


@click.group("api-keys")
def api_keys() -> None:
    """Create, list and revoke the HTTP API's keys (one tenant each)."""


@api_keys.command("create")
@click.option("--tenant", required=True, help="The tenant the key acts for (a-z, 0-9, -).")
@click.option("--name", default="", help="A note saying who or what uses the key.")
@click.option("--json", "as_json", is_flag=True, help="Print the key and its record as JSON.")
@click.pass_context
def create(ctx: click.Context, tenant: str, name: str, as_json: bool) -> None:
    """Create a key and print it: this is the only time it is shown."""
    record, plaintext = _store(ctx).create(tenant, name)
    if as_json:
        click.echo(json.dumps({**_row(record), "api_key": plaintext}, indent=2))
        return
    click.echo(plaintext)
    Console(stderr=True, highlight=False).print(
        f"key {record.key_id} for tenant {escape(record.tenant_id)}: store it now,"
        " it cannot be shown again"
    )


@api_keys.command("list")
@click.option("--tenant", default=None, help="Only this tenant's keys.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.pass_context
def list_keys(ctx: click.Context, tenant: str | None, as_json: bool) -> None:
    """Every key (never the key itself): id, tenant, name, created, revoked."""
    rows = [_row(key) for key in _store(ctx).list(tenant)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("key id", "tenant", "name", "created", "revoked")
    for row in rows:
        table.add_row(*(escape(row[name] or "") for name in row))
    Console(highlight=False).print(table)


@api_keys.command("revoke")
@click.argument("key_id")
@click.pass_context
def revoke(ctx: click.Context, key_id: str) -> None:
    """Revoke a key by its id; requests with it are refused from now on."""
    record = _store(ctx).revoke(key_id)
    if record is None:
        raise ApiKeyNotFoundError(f"no API key {key_id!r} (see `vidpipe api-keys list`)")
    click.echo(f"revoked {record.key_id} (tenant {record.tenant_id})")
