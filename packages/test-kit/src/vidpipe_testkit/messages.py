"""Queue messages as a worker receives them, and S3 notifications as S3 sends them."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

from vidpipe_aws import ReceivedMessage

#: The message S3 sends once when a notification rule is created (no Records): not an upload.
S3_TEST_EVENT_BODY = json.dumps(
    {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2024-05-01T12:00:00.000Z",
        "Bucket": "vidpipe-input",
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
)


def received_message(body: str, *, receive_count: int = 1, n: int = 1) -> ReceivedMessage:
    """`body` as the runner hands it to a handler; `n` makes the ids of several distinct."""
    return ReceivedMessage(
        message_id=f"m-{n}", receipt_handle=f"r-{n}", body=body, receive_count=receive_count
    )


def s3_event_body(
    bucket: str,
    *keys: str,
    event_name: str = "ObjectCreated:Put",
    size: int = 1,
    etag: str = "0123abcd",
) -> str:
    """An S3 notification with one record per key; S3 quote_plus-encodes the keys."""
    if not keys:
        raise ValueError("an S3 notification names at least one key")
    records = [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "2024-05-01T12:00:00.000Z",
            "eventName": event_name,
            "s3": {
                "s3SchemaVersion": "1.0",
                "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                "object": {"key": quote_plus(key), "size": size, "eTag": etag},
            },
        }
        for key in keys
    ]
    return json.dumps({"Records": records})
