"""vidpipe's whole deployment as one CloudFormation stack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions

from vidpipe_chunking.settings import ChunkingSettings
from vidpipe_infra.api import ApiService
from vidpipe_infra.checks import accept_findings
from vidpipe_infra.compute import Compute
from vidpipe_infra.env import aws_env, env_name
from vidpipe_infra.permissions import grant_worker, weights_statements, worker_statements
from vidpipe_infra.queues import WorkQueues
from vidpipe_infra.service import WorkerService
from vidpipe_infra.storage import Buckets
from vidpipe_infra.tables import Tables
from vidpipe_infra.workers import CHUNKING, VIDEO_GPU, WorkerSpec, workers
from vidpipe_types.topology import MODEL_GROUPS, TableRole, format_modes

if TYPE_CHECKING:
    from constructs import Construct

    from vidpipe_infra.config import ServiceSize, StackConfig


class VidpipeStack(Stack):
    """Buckets, queues, tables, one ECS service per worker, and their permissions."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        names = config.names
        self.alarm_topic = sns.Topic(
            self, "Alarms", topic_name=f"{names.prefix}-alarms", enforce_ssl=True
        )
        accept_findings(self.alarm_topic, "CKV_AWS_26")
        if config.alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self.buckets = Buckets(
            self,
            "Buckets",
            names=names,
            intermediate_retention_days=config.intermediate_retention_days,
        )
        self.queues = WorkQueues(
            self,
            "Queues",
            names=names,
            alarm_topic=self.alarm_topic,
            oldest_message_alarm_seconds=config.oldest_message_alarm_seconds,
        )
        self.buckets.add_notifications(self.queues)
        self.tables = Tables(self, "Tables", names=names)
        self.compute = Compute(self, "Compute", config=config)
        if config.api:
            # Browsers POST uploads straight to S3 through the API's presigned forms.
            self.buckets.allow_browser_uploads(config.api_cors_origins)
        deployed = workers(detection=config.detection, gpu=config.gpu, api=config.api)
        available = frozenset(spec.queue for spec in deployed)
        # Jobs of another mode fail at chunking with the reason: nothing would consume them.
        self.deployed_modes = format_modes(
            mode
            for group in MODEL_GROUPS
            if group.queue_worker in available
            for mode in group.modes
        )
        environment = {
            aws_env("input_bucket"): names.input_bucket,
            aws_env("output_bucket"): names.output_bucket,
            aws_env("jobs_table"): self.tables[TableRole.JOBS].table_name,
            aws_env("segment_completions_table"): self.tables[
                TableRole.SEGMENT_COMPLETIONS
            ].table_name,
            aws_env("job_retention_days"): str(config.job_retention_days),
        }
        self.repositories: dict[str, ecr.Repository] = {}
        self.services: dict[str, WorkerService] = {}
        for spec in deployed:
            label = "".join(part.capitalize() for part in spec.short_name.split("-"))
            repository = self._repository(spec.image_name)
            own = dict(environment)
            if spec is CHUNKING:
                own[env_name(ChunkingSettings, "deployed_modes")] = self.deployed_modes
            service = WorkerService(
                self,
                f"{label}Worker",
                spec=spec,
                size=self._size(spec),
                config=config,
                compute=self.compute,
                repository=repository,
                queues=self.queues,
                environment=own,
                available=available,
                on_gpu=spec is VIDEO_GPU,
            )
            statements = worker_statements(
                spec,
                buckets=self.buckets,
                tables=self.tables,
                queues=self.queues,
                available=available,
                cluster_tasks_arn=self.compute.tasks_arn,
            )
            statements += weights_statements(config.workers.environment(spec.name))
            grant_worker(service.task_role, statements)
            self.services[spec.name] = service
        self.api: ApiService | None = None
        if config.api:
            self.api = ApiService(
                self,
                "Api",
                config=config,
                compute=self.compute,
                repository=self._repository("api"),
                buckets=self.buckets,
                tables=self.tables,
                queues=self.queues,
            )
            CfnOutput(self, "ApiUrl", value=self.api.url)
        CfnOutput(self, "InputBucket", value=names.input_bucket)
        CfnOutput(self, "AlarmTopic", value=self.alarm_topic.topic_arn)

    def _repository(self, image: str) -> ecr.Repository:
        """The image repository `<prefix>/<image>`, made once however many services run it."""
        if image not in self.repositories:
            label = "".join(part.capitalize() for part in image.removesuffix("-worker").split("-"))
            repository = ecr.Repository(
                self,
                f"{label}Images",
                repository_name=f"{self.config.prefix}/{image}",
                image_scan_on_push=True,
                image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                encryption=ecr.RepositoryEncryption.KMS,
                removal_policy=RemovalPolicy.RETAIN,
            )
            self.repositories[image] = repository
            CfnOutput(self, f"{label}Repository", value=repository.repository_uri)
        return self.repositories[image]

    def _size(self, spec: WorkerSpec) -> ServiceSize:
        sizes = {
            "chunking-worker": self.config.chunking,
            "video-worker": self.config.video,
            "media-worker": self.config.media,
            "video-gpu-worker": self.config.gpu_size,
            # An import downloads up to the upload limit to scratch, as chunking does.
            "import-worker": self.config.chunking,
        }
        return sizes.get(spec.name, self.config.detection_size)
