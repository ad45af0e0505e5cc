"""The fixtures of every media-worker test (the sample videos, the webhook receiver and the
loopback Gemini API, `gemini_stub`) come from vidpipe-test-kit's pytest plugin. This file puts
`tests/` on sys.path, so that the helper modules beside it import in every test."""
