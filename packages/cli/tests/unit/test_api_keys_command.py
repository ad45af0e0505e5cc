"""`vidpipe api-keys create|list|revoke` over the in-memory key store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vidpipe_aws.fakes import InMemoryApiKeyStore
from vidpipe_cli import api_keys as api_keys_module
from vidpipe_cli.main import cli
from vidpipe_types import hash_api_key


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> InMemoryApiKeyStore:
    keys = InMemoryApiKeyStore()
    monkeypatch.setattr(api_keys_module, "api_key_store", lambda target: keys)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    return keys


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["api-keys", *args])
    return result.exit_code, result.output


def test_create_prints_the_key_once_and_stores_only_its_hash(store: InMemoryApiKeyStore) -> None:
    code, output = run("create", "--tenant", "acme", "--name", "ci", "--json")

    assert code == 0, output
    created = json.loads(output)
    [record] = store.list()
    assert (created["key_id"], created["tenant_id"], created["name"]) == (
        record.key_id,
        "acme",
        "ci",
    )
    assert record.key_hash == hash_api_key(created["api_key"])
    assert store.authenticate(created["api_key"]) == record


def test_list_shows_ids_never_keys(store: InMemoryApiKeyStore) -> None:
    acme, acme_key = store.create("acme", "one")
    store.create("beta", "two")

    code, output = run("list", "--tenant", "acme", "--json")

    assert code == 0, output
    assert [row["key_id"] for row in json.loads(output)] == [acme.key_id]
    assert acme_key not in output and acme.key_hash not in output


def test_revoke_by_id_and_an_unknown_id_fails(store: InMemoryApiKeyStore) -> None:
    record, plaintext = store.create("acme")

    code, output = run("revoke", record.key_id)
    missing_code, missing = run("revoke", "0123456789abcdef")

    assert code == 0 and f"revoked {record.key_id}" in output
    assert store.authenticate(plaintext) is None
    assert missing_code == 1 and "no API key" in missing


def test_an_invalid_tenant_is_refused(store: InMemoryApiKeyStore) -> None:
    code, output = run("create", "--tenant", "Not Valid")
    assert code != 0
    assert store.list() == []
