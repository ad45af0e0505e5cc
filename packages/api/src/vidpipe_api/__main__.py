"""The `vidpipe-api` entrypoint: read settings once, build the stores, serve with uvicorn."""

from __future__ import annotations

import uvicorn

from vidpipe_api.app import create_app
from vidpipe_api.context import ApiContext
from vidpipe_api.settings import ApiSettings
from vidpipe_aws import (
    AwsClients,
    AwsSettings,
    DynamoApiKeyStore,
    DynamoCompletionStore,
    DynamoJobStore,
    FetchPolicy,
    OutboxDeliverer,
    S3Storage,
    SqsQueue,
    WebhookNotifier,
    configure_json_logging,
)


def build_context(settings: ApiSettings, aws: AwsSettings) -> ApiContext:
    clients = AwsClients.from_settings(aws)
    # A job the API creates (before its upload) expires like one the chunking-worker makes.
    jobs = DynamoJobStore(clients.dynamodb, aws.jobs_table, retention=aws.retention)
    secret = settings.webhook_signing_secret
    notifier = WebhookNotifier(
        settings.callback_url, secret=None if secret is None else secret.get_secret_value()
    )
    # A cancel writes its `job.cancelled` event into the job's outbox; `notify` delivers it
    # from there (the media-workers' sweepers deliver whatever this process could not).
    notifier.attach_outbox(OutboxDeliverer(jobs, notifier))
    return ApiContext(
        settings=settings,
        jobs=jobs,
        completions=DynamoCompletionStore(
            clients.dynamodb, aws.segment_completions_table, retention=aws.retention
        ),
        storage=S3Storage(clients.s3),
        api_keys=DynamoApiKeyStore(clients.dynamodb, settings.api_keys_table),
        notifier=notifier,
        input_bucket=aws.input_bucket,
        output_bucket=aws.output_bucket,
        import_queue=(
            None
            if settings.import_queue_url is None
            else SqsQueue(clients.sqs, settings.import_queue_url)
        ),
        fetch_policy=FetchPolicy(
            max_bytes=settings.url_import_max_bytes,
            timeout_seconds=settings.url_import_timeout_seconds,
            max_redirects=settings.url_import_max_redirects,
        ),
    )


def main() -> None:
    settings = ApiSettings()
    configure_json_logging("api", settings.log_level)
    app = create_app(build_context(settings, AwsSettings()))
    # uvicorn's own logging config would replace the JSON logging set up above.
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":  # pragma: no cover
    main()
