"""ApiKeyStore contract, on the in-memory fake and on DynamoDB (moto)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vidpipe_aws.api_keys import ApiKeyStore
from vidpipe_aws.dynamo_api_keys import DynamoApiKeyStore
from vidpipe_aws.fakes import InMemoryApiKeyStore
from vidpipe_aws.provision import ensure_table
from vidpipe_types.api_keys import generate_api_key, hash_api_key
from vidpipe_types.errors import InvalidTenantIdError
from vidpipe_types.topology import API_KEYS_TABLE

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def keys(request: pytest.FixtureRequest) -> ApiKeyStore:
    if request.param == "memory":
        return InMemoryApiKeyStore(clock=lambda: NOW)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, API_KEYS_TABLE, "api-keys")
    return DynamoApiKeyStore(clients.dynamodb, "api-keys", page_size=1, clock=lambda: NOW)


def test_a_created_key_authenticates_as_its_tenant(keys: ApiKeyStore) -> None:
    record, plaintext = keys.create("acme", "ci")

    found = keys.authenticate(plaintext)

    assert found == record
    assert (record.tenant_id, record.name, record.created_at) == ("acme", "ci", NOW)
    # Only the hash is stored.
    assert record.key_hash == hash_api_key(plaintext)
    assert plaintext not in record.model_dump_json()


def test_wrong_malformed_and_unknown_keys_do_not_authenticate(keys: ApiKeyStore) -> None:
    _, plaintext = keys.create("acme")
    wrong_secret = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    never_stored = generate_api_key()

    assert keys.authenticate(wrong_secret) is None
    assert keys.authenticate(never_stored.plaintext) is None
    assert keys.authenticate("not a key") is None
    assert keys.authenticate("") is None


def test_a_revoked_key_stops_working_and_keeps_its_first_revocation(keys: ApiKeyStore) -> None:
    record, plaintext = keys.create("acme")

    revoked = keys.revoke(record.key_id)
    again = keys.revoke(record.key_id)

    assert revoked is not None and revoked.revoked_at == NOW
    assert again == revoked
    assert keys.authenticate(plaintext) is None
    assert keys.revoke("0123456789abcdef") is None


def test_listing_every_key_or_one_tenants(keys: ApiKeyStore) -> None:
    acme, _ = keys.create("acme", "one")
    beta, _ = keys.create("beta", "two")
    acme2, _ = keys.create("acme", "three")

    assert {k.key_id for k in keys.list()} == {acme.key_id, beta.key_id, acme2.key_id}
    assert {k.key_id for k in keys.list("acme")} == {acme.key_id, acme2.key_id}


def test_a_key_for_an_invalid_tenant_is_refused(keys: ApiKeyStore) -> None:
    with pytest.raises(InvalidTenantIdError):
        keys.create("Not A Tenant")
