"""vidpipe_aws: AWS ports, their boto3 adapters and in-memory fakes, the worker runner, and
`serve`, the one way a worker process starts.

Ports (`ObjectStorage`, `Queue`, `SegmentCompletionStore`, `JobStore`) are small ABCs whose
base classes own the rules; `S3Storage`, `SqsQueue`, `DynamoCompletionStore` and
`DynamoJobStore` implement them on injected boto3 clients, and `vidpipe_aws.fakes` holds the
in-memory versions for unit tests. `vidpipe_aws.testing` is a pytest plugin with a moto server.
"""

from vidpipe_aws.api_keys import ApiKeyStore
from vidpipe_aws.backoff import Jitter, backoff_delay
from vidpipe_aws.bootstrap import AwsContext, MissingSettingError
from vidpipe_aws.clients import AwsClients
from vidpipe_aws.completions import SegmentCompletionStore
from vidpipe_aws.dynamo_api_keys import DynamoApiKeyStore
from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.errors import (
    AwsAdapterError,
    ConditionFailedError,
    NotFoundError,
    RetryableAwsError,
)
from vidpipe_aws.faults import fault_point
from vidpipe_aws.job_guard import JobStoppedError, ensure_active, log_stopped
from vidpipe_aws.jobs import (
    MAX_TENANT_PAGE,
    CancelOutcome,
    InvalidCursorError,
    InvalidJobUpdateError,
    JobStore,
    request_entry,
    utc_now,
    webhook_entry,
)
from vidpipe_aws.local_aws import EmbeddedAws, LocalAwsError
from vidpipe_aws.logs import bind_log_context, configure_json_logging, emit_metric, log_context
from vidpipe_aws.outbox import DeliveryReport, OutboxDeliverer
from vidpipe_aws.provision import ProvisionedStack, ensure_table, provision
from vidpipe_aws.queue import SQS_MAX_VISIBILITY_SECONDS, Queue, ReceivedMessage
from vidpipe_aws.reassembly import ReassemblyTrigger
from vidpipe_aws.retention import KEEP_FOREVER, RecordRetention
from vidpipe_aws.runner import (
    BadInput,
    Handler,
    JobFailureRecorder,
    RetryLater,
    Runner,
    RunnerSettings,
    Unparseable,
    run_worker,
)
from vidpipe_aws.runner.protection import TaskProtection
from vidpipe_aws.s3 import S3Storage
from vidpipe_aws.settings import AwsSettings, WorkerSettings
from vidpipe_aws.signing import SIGNATURE_HEADER, sign, verify
from vidpipe_aws.sqs import SqsQueue
from vidpipe_aws.storage import (
    InvalidObjectLocationError,
    ObjectInfo,
    ObjectStorage,
    ObjectTooLargeError,
    PresignedPost,
)
from vidpipe_aws.targets import AwsTarget
from vidpipe_aws.url_fetch import (
    FetchFailedError,
    FetchPolicy,
    FetchResult,
    FetchTimeoutError,
    RefusedUrlError,
    SourceTooLargeError,
    TooManyRedirectsError,
    UrlFetchError,
    check_url,
    fetch_to_file,
    resolve_host,
)
from vidpipe_aws.url_import import import_url
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier, WebhookStatus
from vidpipe_aws.weights import (
    ModelWeights,
    WeightsChecksumError,
    WeightsError,
    WeightsSettingError,
    check_weights_setting,
    default_weights_dir,
    fetch_weights,
    is_s3_location,
)
from vidpipe_aws.worker import WorkerContext, WorkerParts, serve
from vidpipe_aws.worker_names import short_worker_name, worker_name

__all__ = [
    "KEEP_FOREVER",
    "ModelWeights",
    "RecordRetention",
    "WeightsChecksumError",
    "WeightsError",
    "WeightsSettingError",
    "check_weights_setting",
    "default_weights_dir",
    "fetch_weights",
    "is_s3_location",
    "JobStoppedError",
    "ensure_active",
    "log_stopped",
    "ApiKeyStore",
    "AwsAdapterError",
    "AwsClients",
    "AwsContext",
    "AwsSettings",
    "AwsTarget",
    "BadInput",
    "CancelOutcome",
    "ConditionFailedError",
    "DynamoApiKeyStore",
    "DynamoCompletionStore",
    "DynamoJobStore",
    "EmbeddedAws",
    "FetchFailedError",
    "FetchPolicy",
    "FetchResult",
    "FetchTimeoutError",
    "Handler",
    "InvalidCursorError",
    "InvalidJobUpdateError",
    "InvalidObjectLocationError",
    "Jitter",
    "JobFailureRecorder",
    "JobStore",
    "LocalAwsError",
    "MAX_TENANT_PAGE",
    "MissingSettingError",
    "NotFoundError",
    "NotifyingFailureRecorder",
    "ObjectInfo",
    "ObjectStorage",
    "ObjectTooLargeError",
    "PresignedPost",
    "ProvisionedStack",
    "Queue",
    "ReassemblyTrigger",
    "ReceivedMessage",
    "RefusedUrlError",
    "RetryLater",
    "RetryableAwsError",
    "S3Storage",
    "Runner",
    "RunnerSettings",
    "SQS_MAX_VISIBILITY_SECONDS",
    "SegmentCompletionStore",
    "SourceTooLargeError",
    "SqsQueue",
    "TooManyRedirectsError",
    "Unparseable",
    "UrlFetchError",
    "WebhookNotifier",
    "DeliveryReport",
    "request_entry",
    "webhook_entry",
    "OutboxDeliverer",
    "SIGNATURE_HEADER",
    "TaskProtection",
    "sign",
    "verify",
    "WebhookStatus",
    "WorkerContext",
    "WorkerParts",
    "WorkerSettings",
    "backoff_delay",
    "bind_log_context",
    "check_url",
    "configure_json_logging",
    "emit_metric",
    "ensure_table",
    "fault_point",
    "fetch_to_file",
    "import_url",
    "log_context",
    "provision",
    "resolve_host",
    "run_worker",
    "serve",
    "short_worker_name",
    "utc_now",
    "worker_name",
]
