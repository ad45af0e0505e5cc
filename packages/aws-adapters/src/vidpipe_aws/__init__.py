"""vidpipe_aws: AWS ports, their boto3 adapters and in-memory fakes, the worker runner, and
`serve`, the one way a worker process starts.

Ports (`ObjectStorage`, `Queue`, `SegmentCompletionStore`, `JobStore`) are small ABCs whose
base classes own the rules; `S3Storage`, `SqsQueue`, `DynamoCompletionStore` and
`DynamoJobStore` implement them on injected boto3 clients, and `vidpipe_aws.fakes` holds the
in-memory versions for unit tests. `vidpipe_aws.testing` is a pytest plugin with a moto server.
"""

from vidpipe_aws.backoff import Jitter, backoff_delay
from vidpipe_aws.bootstrap import AwsContext, MissingSettingError
from vidpipe_aws.clients import AwsClients
from vidpipe_aws.completions import SegmentCompletionStore
from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.errors import (
    AwsAdapterError,
    ConditionFailedError,
    NotFoundError,
    RetryableAwsError,
)
from vidpipe_aws.faults import fault_point
from vidpipe_aws.jobs import InvalidJobUpdateError, JobStore
from vidpipe_aws.local_aws import EmbeddedAws, LocalAwsError
from vidpipe_aws.logs import bind_log_context, configure_json_logging, emit_metric, log_context
from vidpipe_aws.provision import ProvisionedStack, ensure_table, provision
from vidpipe_aws.queue import SQS_MAX_VISIBILITY_SECONDS, Queue, ReceivedMessage
from vidpipe_aws.reassembly import ReassemblyTrigger
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
from vidpipe_aws.s3 import S3Storage
from vidpipe_aws.settings import AwsSettings, WorkerSettings
from vidpipe_aws.sqs import SqsQueue
from vidpipe_aws.storage import (
    InvalidObjectLocationError,
    ObjectInfo,
    ObjectStorage,
    ObjectTooLargeError,
)
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier, WebhookStatus
from vidpipe_aws.worker import WorkerContext, WorkerParts, serve
from vidpipe_aws.worker_names import short_worker_name, worker_name

__all__ = [
    "SQS_MAX_VISIBILITY_SECONDS",
    "AwsAdapterError",
    "AwsClients",
    "AwsContext",
    "AwsSettings",
    "BadInput",
    "ConditionFailedError",
    "DynamoCompletionStore",
    "DynamoJobStore",
    "EmbeddedAws",
    "Handler",
    "InvalidJobUpdateError",
    "InvalidObjectLocationError",
    "Jitter",
    "JobFailureRecorder",
    "JobStore",
    "LocalAwsError",
    "MissingSettingError",
    "NotFoundError",
    "ObjectInfo",
    "ObjectStorage",
    "ObjectTooLargeError",
    "ProvisionedStack",
    "Queue",
    "ReassemblyTrigger",
    "ReceivedMessage",
    "RetryLater",
    "RetryableAwsError",
    "Runner",
    "RunnerSettings",
    "S3Storage",
    "SegmentCompletionStore",
    "SqsQueue",
    "NotifyingFailureRecorder",
    "Unparseable",
    "WebhookNotifier",
    "WebhookStatus",
    "WorkerContext",
    "WorkerParts",
    "WorkerSettings",
    "backoff_delay",
    "bind_log_context",
    "configure_json_logging",
    "emit_metric",
    "ensure_table",
    "fault_point",
    "log_context",
    "provision",
    "run_worker",
    "serve",
    "short_worker_name",
    "worker_name",
]
