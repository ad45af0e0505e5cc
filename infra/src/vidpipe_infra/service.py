"""One worker as an ECS service: task definition, container, logs and backlog scaling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from vidpipe_infra.checks import accept_findings
from vidpipe_infra.compute import retention
from vidpipe_infra.env import HEALTH_PORT, aws_env, env_name, queue_url_env, runner_env
from vidpipe_types.topology import Worker, format_modes, model_group_of_queue
from vidpipe_video.settings import VideoSettings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_infra.compute import Compute
    from vidpipe_infra.config import ServiceSize, StackConfig
    from vidpipe_infra.queues import WorkQueue, WorkQueues
    from vidpipe_infra.workers import WorkerSpec

#: ECS sends SIGKILL this long after SIGTERM; the runner's SHUTDOWN_GRACE_SECONDS (100 s by
#: default) fits inside it with room for the last long poll.
STOP_TIMEOUT_SECONDS = 120
#: Writable scratch space; the root filesystem is read-only.
SCRATCH_PATH = "/scratch"
# The image has no curl: the check is the image's own Python.
HEALTH_COMMAND = [
    "CMD",
    "python",
    "-c",
    "import urllib.request; "
    f"urllib.request.urlopen('http://127.0.0.1:{HEALTH_PORT}/health', timeout=3)",
]
_ECS_SCALING_ROLE = (
    "arn:{partition}:iam::{account}:role/aws-service-role/ecs.application-autoscaling."
    "amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"
)


class WorkerService(Construct):
    """A service that starts at zero tasks and scales on its queue's backlog per task."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: WorkerSpec,
        size: ServiceSize,
        config: StackConfig,
        compute: Compute,
        repository: ecr.IRepository,
        queues: WorkQueues,
        environment: dict[str, str],
        available: frozenset[Worker],
        secrets: Mapping[str, str] | None = None,
        on_gpu: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        work_queue = queues[spec.queue]
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/{config.prefix}/{spec.name}",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        accept_findings(log_group, "CKV_AWS_158")
        self.task_definition = self._task_definition(size, on_gpu=on_gpu)
        env = {
            **environment,
            aws_env("region"): Aws.REGION,
            # The entrypoint's default too; set here so that the task definition shows it.
            runner_env("worker_name"): spec.name,
            runner_env("visibility_timeout_seconds"): str(
                work_queue.spec.visibility_timeout_seconds
            ),
            runner_env("max_concurrent_jobs"): str(config.jobs_per_task),
            runner_env("health_port"): str(HEALTH_PORT),
            # Python's tempfile (every worker's scratch directories) honours TMPDIR.
            "TMPDIR": SCRATCH_PATH,
        }
        for worker in (spec.queue, *spec.sends):
            if worker in available:
                env[queue_url_env(worker)] = queues[worker].queue.queue_url
        group = model_group_of_queue(spec.queue)
        if group is not None:
            # A video-worker consumes VIDEO_QUEUE_URL whichever model group it serves: point it
            # at this group's queue (S3 routes the group's modes there), and load its modes only.
            env.pop(queue_url_env(spec.queue))
            env[queue_url_env(Worker.VIDEO)] = work_queue.queue.queue_url
            env[env_name(VideoSettings, "enabled_models")] = format_modes(group.modes)
        # The operator's settings last but one (the config check refused the stack's own names).
        env.update(config.workers.environment(spec.name))
        container_secrets = {
            name: ecs.Secret.from_secrets_manager(
                secretsmanager.Secret.from_secret_complete_arn(self, f"Secret{name}", arn)
            )
            for name, arn in sorted(
                {**config.workers.secrets_of(spec.name), **(secrets or {})}.items()
            )
        }
        self.container = self.task_definition.add_container(
            "worker",
            container_name=spec.name,
            image=ecs.ContainerImage.from_ecr_repository(repository, config.image_tag),
            command=["python", "-m", spec.module],
            environment=env,
            # Only ARNs in the template; ECS reads the values with this service's execution
            # role, which from_secrets_manager grants GetSecretValue on exactly these ARNs.
            secrets=container_secrets or None,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=spec.short_name, log_group=log_group),
            stop_timeout=Duration.seconds(STOP_TIMEOUT_SECONDS),
            readonly_root_filesystem=True,
            health_check=ecs.HealthCheck(
                command=HEALTH_COMMAND,
                interval=Duration.seconds(30),
                timeout=Duration.seconds(5),
                retries=3,
                # The video-worker loads its models before the health endpoint starts.
                start_period=Duration.seconds(120),
            ),
            gpu_count=1 if on_gpu else None,
            memory_limit_mib=size.memory_mib if on_gpu else None,
        )
        self.task_definition.add_volume(name="scratch")
        self.container.add_mount_points(
            ecs.MountPoint(container_path=SCRATCH_PATH, source_volume="scratch", read_only=False)
        )
        self.service = self._service(compute, on_gpu=on_gpu)
        self.task_role = self.task_definition.task_role
        self._scale_on_backlog(compute, work_queue, size, config.jobs_per_task)

    def _task_definition(self, size: ServiceSize, *, on_gpu: bool) -> ecs.TaskDefinition:
        if on_gpu:
            return ecs.Ec2TaskDefinition(
                self, "Task", family=self.spec.name, network_mode=ecs.NetworkMode.AWS_VPC
            )
        return ecs.FargateTaskDefinition(
            self,
            "Task",
            family=self.spec.name,
            cpu=size.cpu,
            memory_limit_mib=size.memory_mib,
            ephemeral_storage_gib=size.ephemeral_storage_gib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )

    def _service(self, compute: Compute, *, on_gpu: bool) -> ecs.BaseService:
        # Scaling owns the count (desired 0): a deployment never starts tasks for an empty queue.
        common: dict[str, Any] = {
            "cluster": compute.cluster,
            "task_definition": self.task_definition,
            "service_name": self.spec.name,
            "desired_count": 0,
            "min_healthy_percent": 0,
            "max_healthy_percent": 200,
            "circuit_breaker": ecs.DeploymentCircuitBreaker(rollback=True),
            "security_groups": [compute.security_group],
            "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            "propagate_tags": ecs.PropagatedTagSource.SERVICE,
        }
        if on_gpu and compute.gpu_capacity is not None:
            strategy = ecs.CapacityProviderStrategy(
                capacity_provider=compute.gpu_capacity.capacity_provider_name, weight=1
            )
            return ecs.Ec2Service(
                self, "Service", capacity_provider_strategies=[strategy], **common
            )
        return ecs.FargateService(self, "Service", assign_public_ip=False, **common)

    def _scale_on_backlog(
        self, compute: Compute, work_queue: WorkQueue, size: ServiceSize, jobs_per_task: int
    ) -> None:
        """Step scaling on backlog per task = (visible + in flight) / running tasks.

        Target tracking cannot leave zero (it multiplies the current count), so a separate
        alarm starts the first task when messages wait and no task runs. With no task running
        the backlog-per-task expression reads ``jobs_per_task``: neither scale-out nor
        scale-in fires on it then.
        """
        target = appscaling.ScalableTarget(
            self,
            "Scaling",
            service_namespace=appscaling.ServiceNamespace.ECS,
            resource_id=f"service/{compute.cluster.cluster_name}/{self.service.service_name}",
            scalable_dimension="ecs:service:DesiredCount",
            min_capacity=0,
            max_capacity=size.max_tasks,
            role=iam.Role.from_role_arn(
                self,
                "ScalingRole",
                _ECS_SCALING_ROLE.format(partition=Aws.PARTITION, account=Aws.ACCOUNT_ID),
            ),
        )
        period = Duration.minutes(1)
        metrics: dict[str, cloudwatch.IMetric] = {
            "visible": work_queue.queue.metric_approximate_number_of_messages_visible(
                period=period, statistic="Maximum"
            ),
            "inflight": work_queue.queue.metric_approximate_number_of_messages_not_visible(
                period=period, statistic="Maximum"
            ),
            "tasks": cloudwatch.Metric(
                namespace="ECS/ContainerInsights",
                metric_name="RunningTaskCount",
                dimensions_map={
                    "ClusterName": compute.cluster.cluster_name,
                    "ServiceName": self.service.service_name,
                },
                period=period,
                statistic="Average",
            ),
        }
        backlog = "(FILL(visible, 0) + FILL(inflight, 0))"
        per_task = cloudwatch.MathExpression(
            expression=f"IF(FILL(tasks, 0) > 0, {backlog} / FILL(tasks, 0), {jobs_per_task})",
            using_metrics=metrics,
            label="backlog per task",
            period=period,
        )
        waiting_without_task = cloudwatch.MathExpression(
            expression="IF(FILL(tasks, 0) > 0, 0, FILL(visible, 0))",
            using_metrics=metrics,
            label="messages waiting with no task running",
            period=period,
        )
        # Out: more than two tasks' worth of work per task; bigger steps for bigger backlogs.
        self._step(
            "ScaleOut",
            target,
            per_task,
            threshold=2 * jobs_per_task,
            above=True,
            steps=[(0, 1), (2 * jobs_per_task, 2), (8 * jobs_per_task, 5)],
            cooldown=Duration.seconds(60),
            evaluation_periods=1,
        )
        self._step(
            "StartFromZero",
            target,
            waiting_without_task,
            threshold=1,
            above=True,
            steps=[(0, 1)],
            cooldown=Duration.seconds(60),
            evaluation_periods=1,
        )
        # In: fewer messages than tasks for five minutes, one task at a time. The task that
        # stops drains its own messages within the stop timeout (the runner's grace period).
        self._step(
            "ScaleIn",
            target,
            per_task,
            threshold=1,
            above=False,
            steps=[(0, -1)],
            cooldown=Duration.seconds(300),
            evaluation_periods=5,
        )

    def _step(
        self,
        name: str,
        target: appscaling.ScalableTarget,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        above: bool,
        steps: list[tuple[float, int]],
        cooldown: Duration,
        evaluation_periods: int,
    ) -> None:
        """An alarm on ``metric`` and the step policy it triggers. ``steps`` are (distance
        from the threshold where the step starts, tasks to add); below a threshold the
        distance counts downwards."""
        action = appscaling.StepScalingAction(
            self,
            f"{name}Policy",
            scaling_target=target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=cooldown,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
        )
        bounds = [*(start for start, _ in steps[1:]), None]
        for (start, change), end in zip(steps, bounds, strict=True):
            if above:
                action.add_adjustment(adjustment=change, lower_bound=start, upper_bound=end)
            else:
                action.add_adjustment(
                    adjustment=change,
                    upper_bound=-start,
                    lower_bound=None if end is None else -end,
                )
        alarm = cloudwatch.Alarm(
            self,
            f"{name}Alarm",
            metric=metric,
            threshold=threshold,
            comparison_operator=(
                cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
                if above
                else cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
            ),
            evaluation_periods=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
            alarm_description=f"{self.spec.name}: {name} on queue backlog",
        )
        alarm.add_alarm_action(cw_actions.ApplicationScalingAction(action))
