"""vidpipe_testkit: the test helpers every vidpipe package would otherwise copy.

Test doubles (`RecordingNotifier`, `WebhookReceiver`, `FakeClock`, `LoopbackFileServer`, and
`GeminiStub`, a loopback Gemini API scripted with `json_reply` / `text_reply` / `error_reply`),
builders of what a worker receives (`received_message`, `s3_event_body`,
`S3_TEST_EVENT_BODY`), sample videos (`bikes_path`, `bunny_path`, `sample_video`) and an
ffprobe-based checker (`measure`, `MediaFacts`, `image_size`). Its pytest plugin adds the
fixtures `bikes_path`, `bunny_path`, `webhook_receiver`, `gemini_stub` and `fake_clock`.
"""

from vidpipe_testkit.clock import FakeClock
from vidpipe_testkit.file_server import LoopbackFileServer
from vidpipe_testkit.gemini import GeminiStub, Reply, error_reply, json_reply, text_reply
from vidpipe_testkit.media import MediaFacts, StreamFacts, image_size, measure
from vidpipe_testkit.messages import S3_TEST_EVENT_BODY, received_message, s3_event_body
from vidpipe_testkit.samples import bikes_path, bunny_path, sample_video
from vidpipe_testkit.webhooks import RecordingNotifier, WebhookReceiver

__all__ = [
    "S3_TEST_EVENT_BODY",
    "FakeClock",
    "GeminiStub",
    "LoopbackFileServer",
    "MediaFacts",
    "RecordingNotifier",
    "Reply",
    "StreamFacts",
    "WebhookReceiver",
    "bikes_path",
    "bunny_path",
    "error_reply",
    "image_size",
    "json_reply",
    "measure",
    "received_message",
    "s3_event_body",
    "sample_video",
    "text_reply",
]
