"""ObjectStorage additions for the HTTP API: presigned upload forms and deleting a folder."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_aws.storage import InvalidObjectLocationError


def policy_conditions(fields: dict[str, str]) -> list[Any]:
    document = json.loads(base64.b64decode(fields["policy"]))
    conditions: list[Any] = document["conditions"]
    return conditions


def test_presigned_post_binds_key_type_metadata_and_size() -> None:
    storage = InMemoryObjectStorage()

    form = storage.presigned_post(
        "in",
        "input/j1/source.mp4",
        content_type="video/mp4",
        max_bytes=1000,
        metadata={"job-id": "j1"},
        expires_in=60,
    )

    assert form.fields["key"] == "input/j1/source.mp4"
    assert form.fields["Content-Type"] == "video/mp4"
    assert form.fields["x-amz-meta-job-id"] == "j1"
    conditions = policy_conditions(form.fields)
    assert {"key": "input/j1/source.mp4"} in conditions
    assert {"Content-Type": "video/mp4"} in conditions
    assert {"x-amz-meta-job-id": "j1"} in conditions
    assert ["content-length-range", 1, 1000] in conditions


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expires_in": 0}, "expires_in"),
        ({"max_bytes": 0}, "min_bytes <= max_bytes"),
    ],
)
def test_presigned_post_refuses_nonsense(kwargs: dict[str, int], message: str) -> None:
    arguments: dict[str, Any] = {"content_type": "video/mp4", "max_bytes": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        InMemoryObjectStorage().presigned_post("in", "input/a", **arguments)


def test_delete_prefix_removes_one_folder_only() -> None:
    storage = InMemoryObjectStorage()
    for key in ["jobs/j1/final.mp4", "jobs/j1/frames/frame_0001.png", "jobs/j10/final.mp4"]:
        storage.put_bytes("out", key, b"x")

    assert storage.delete_prefix("out", "jobs/j1/") == 2
    assert list(storage.list_keys("out")) == ["jobs/j10/final.mp4"]


@pytest.mark.parametrize("prefix", ["jobs/j1", "", "/jobs/", "jobs/../"])
def test_delete_prefix_refuses_a_prefix_that_is_not_a_folder(prefix: str) -> None:
    with pytest.raises(InvalidObjectLocationError):
        InMemoryObjectStorage().delete_prefix("out", prefix)
