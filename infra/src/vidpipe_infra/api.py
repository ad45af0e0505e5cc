"""The HTTP API as an ECS Fargate service behind an internet-facing Application Load Balancer.

The tasks run in the private subnets and accept traffic only from the load balancer; the load
balancer checks ``/health/ready`` (the API answers 503 there while DynamoDB cannot be read).
HTTPS on 443 when ``api_certificate_arn`` is set (80 then redirects), plain HTTP on 80 otherwise.
The task role is written out action by action (see ``api_statements``): presigned upload
forms for ``input/`` only, presigned reads of ``jobs/*``, deletion of a job's objects, its
tables (the ``by-tenant`` index included) and the api-keys table, and sending to the import
queue. Presigned URLs carry the role's permissions, so these are also what a caller's URL can do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from vidpipe_api.settings import ApiSettings
from vidpipe_infra.checks import accept_findings
from vidpipe_infra.compute import retention
from vidpipe_infra.env import aws_env, env_name
from vidpipe_infra.permissions import OBJECT_READ, TABLE_WRITE, grant_worker
from vidpipe_infra.workers import INPUT_SEGMENTS, JOB_OUTPUTS, UPLOADS
from vidpipe_types.keys import JOBS_PREFIX, SEGMENTS_PREFIX
from vidpipe_types.topology import TableRole, Worker

if TYPE_CHECKING:
    from vidpipe_infra.compute import Compute
    from vidpipe_infra.config import StackConfig
    from vidpipe_infra.queues import WorkQueues
    from vidpipe_infra.storage import Buckets
    from vidpipe_infra.tables import Tables

API_NAME = "api"
#: Where uvicorn listens in the container (API_PORT).
API_PORT = 8000
READY_PATH = "/health/ready"
# The image has no curl: the container check is the image's own Python.
HEALTH_COMMAND = [
    "CMD",
    "python",
    "-c",
    f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{API_PORT}/health', "
    "timeout=3)",
]


def api_env(field_name: str) -> str:
    return env_name(ApiSettings, field_name)


def api_statements(
    *, buckets: Buckets, tables: Tables, queues: WorkQueues
) -> list[iam.PolicyStatement]:
    """Exactly what the API's calls need (and so what its presigned URLs can do)."""
    input_bucket, output_bucket = buckets.input, buckets.output
    job_tables = [tables[TableRole.JOBS], tables[TableRole.SEGMENT_COMPLETIONS]]
    return [
        # The presigned POST form is signed with this role: uploads to input/ only.
        iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[input_bucket.arn_for_objects(UPLOADS)]
        ),
        # Presigned GETs of a job's outputs.
        iam.PolicyStatement(
            actions=OBJECT_READ, resources=[output_bucket.arn_for_objects(JOB_OUTPUTS)]
        ),
        # DELETE /v1/jobs/{id}: the source, its segments and its outputs.
        iam.PolicyStatement(
            actions=["s3:DeleteObject"],
            resources=[
                input_bucket.arn_for_objects(UPLOADS),
                input_bucket.arn_for_objects(INPUT_SEGMENTS),
                output_bucket.arn_for_objects(JOB_OUTPUTS),
            ],
        ),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[input_bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{SEGMENTS_PREFIX}*"]}},
        ),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[output_bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{JOBS_PREFIX}*"]}},
        ),
        # Jobs (by-tenant and by-status indexes) and their completions: read, write, delete.
        iam.PolicyStatement(
            actions=[*TABLE_WRITE, "dynamodb:DeleteItem"],
            resources=[
                arn
                for table in job_tables
                for arn in (table.table_arn, f"{table.table_arn}/index/*")
            ],
        ),
        # API keys: looked up by id, last use recorded.
        iam.PolicyStatement(
            actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
            resources=[tables[TableRole.API_KEYS].table_arn],
        ),
        iam.PolicyStatement(
            actions=["sqs:SendMessage"], resources=[queues[Worker.IMPORT].queue.queue_arn]
        ),
    ]


class ApiService(Construct):
    """The API's repository-fed task, its service and the load balancer in front of it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        compute: Compute,
        repository: ecr.IRepository,
        buckets: Buckets,
        tables: Tables,
        queues: WorkQueues,
    ) -> None:
        super().__init__(scope, construct_id)
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/{config.prefix}/{API_NAME}",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        accept_findings(log_group, "CKV_AWS_158")
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            family=f"{config.prefix}-{API_NAME}",
            cpu=512,
            memory_limit_mib=1024,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        names = config.names
        environment = {
            aws_env("region"): Aws.REGION,
            aws_env("input_bucket"): names.input_bucket,
            aws_env("output_bucket"): names.output_bucket,
            aws_env("jobs_table"): tables[TableRole.JOBS].table_name,
            aws_env("segment_completions_table"): tables[TableRole.SEGMENT_COMPLETIONS].table_name,
            aws_env("job_retention_days"): str(config.job_retention_days),
            api_env("api_keys_table"): tables[TableRole.API_KEYS].table_name,
            api_env("import_queue_url"): queues[Worker.IMPORT].queue.queue_url,
            api_env("host"): "0.0.0.0",  # noqa: S104 - inside the task; only the ALB reaches it
            api_env("port"): str(API_PORT),
        }
        self.container = self.task_definition.add_container(
            API_NAME,
            container_name=API_NAME,
            image=ecs.ContainerImage.from_ecr_repository(repository, config.image_tag),
            environment=environment,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=API_NAME, log_group=log_group),
            readonly_root_filesystem=True,
            port_mappings=[ecs.PortMapping(container_port=API_PORT)],
            health_check=ecs.HealthCheck(
                command=HEALTH_COMMAND,
                interval=Duration.seconds(30),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(30),
            ),
        )
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=compute.vpc,
            description="vidpipe API load balancer: HTTP(S) from anywhere",
            allow_all_outbound=False,
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=compute.vpc,
            description="vidpipe API tasks: from the load balancer only",
            allow_all_outbound=True,
        )
        self.security_group.add_ingress_rule(
            self.load_balancer_security_group, ec2.Port.tcp(API_PORT), "from the load balancer"
        )
        self.load_balancer_security_group.add_egress_rule(
            self.security_group, ec2.Port.tcp(API_PORT), "to the API tasks"
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=compute.cluster,
            task_definition=self.task_definition,
            service_name=f"{config.prefix}-{API_NAME}",
            desired_count=config.api_tasks,
            min_healthy_percent=50,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=compute.vpc,
            internet_facing=True,
            security_group=self.load_balancer_security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
        )
        self._listen(config)
        grant_worker(
            self.task_definition.task_role,
            api_statements(buckets=buckets, tables=tables, queues=queues),
        )
        self.task_role = self.task_definition.task_role

    def _listen(self, config: StackConfig) -> None:
        https = bool(config.api_certificate_arn)
        port = 443 if https else 80
        self.load_balancer_security_group.add_ingress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(port), "API clients"
        )
        if https:
            listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(config.api_certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=False,
            )
            self.load_balancer_security_group.add_ingress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "redirected to HTTPS"
            )
            self.load_balancer.add_redirect(source_port=80, target_port=443)
        else:
            listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False
            )
            accept_findings(self.load_balancer, "CKV_AWS_2", "CKV_AWS_103")
        listener.add_targets(
            "Api",
            port=API_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            health_check=elbv2.HealthCheck(
                path=READY_PATH,
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
            ),
            # Server-sent event streams are long; a deregistering task gets time to end them.
            deregistration_delay=Duration.seconds(30),
        )
        self.url = f"{'https' if https else 'http'}://{self.load_balancer.load_balancer_dns_name}"
