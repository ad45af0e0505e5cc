"""vidpipe_testkit: the test helpers every vidpipe package would otherwise copy.

Test doubles (`RecordingNotifier`, `WebhookReceiver`, `FakeClock`, `LoopbackFileServer`),
builders of what a worker receives (`received_message`, `s3_event_body`,
`S3_TEST_EVENT_BODY`), sample videos (`bikes_path`, `bunny_path`, `sample_video`) and an
ffprobe-based checker (`measure`, `MediaFacts`, `image_size`). Its pytest plugin adds the
fixtures `bikes_path`, `bunny_path`, `webhook_receiver` and `fake_clock`.
"""

from vidpipe_testkit.clock import FakeClock
from vidpipe_testkit.file_server import LoopbackFileServer
from vidpipe_testkit.media import MediaFacts, StreamFacts, image_size, measure
from vidpipe_testkit.messages import S3_TEST_EVENT_BODY, received_message, s3_event_body
from vidpipe_testkit.samples import bikes_path, bunny_path, sample_video
from vidpipe_testkit.webhooks import RecordingNotifier, WebhookReceiver

__all__ = [
    "S3_TEST_EVENT_BODY",
    "FakeClock",
    "LoopbackFileServer",
    "MediaFacts",
    "RecordingNotifier",
    "StreamFacts",
    "WebhookReceiver",
    "bikes_path",
    "bunny_path",
    "image_size",
    "measure",
    "received_message",
    "s3_event_body",
    "sample_video",
]
