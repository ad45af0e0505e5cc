"""The network, the ECS cluster, and the optional GPU capacity for the video-worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from vidpipe_infra.checks import accept_findings

if TYPE_CHECKING:
    from vidpipe_infra.config import StackConfig


class Compute(Construct):
    """A VPC whose private subnets reach AWS through a NAT gateway (S3 and DynamoDB through
    free gateway endpoints), and a cluster with Container Insights, whose per-service
    RunningTaskCount the backlog-per-task scaling divides by."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=config.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(
                    name="workers", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
                ),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDb": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
                ),
            },
        )
        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        accept_findings(flow_logs, "CKV_AWS_158")
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        # Workers only call out (SQS, S3, DynamoDB, ECR, logs); nothing calls in except the
        # health check, which ECS runs inside the container.
        self.security_group = ec2.SecurityGroup(
            self,
            "Workers",
            vpc=self.vpc,
            description="vidpipe workers: outbound only",
            allow_all_outbound=True,
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=config.prefix,
            vpc=self.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        self.gpu_capacity = self._gpu_capacity(config) if config.gpu else None
        #: Every task of the cluster (``task/<cluster>/*``): what task protection applies to.
        self.tasks_arn = Stack.of(self).format_arn(
            service="ecs",
            resource="task",
            resource_name=f"{config.prefix}/*",
        )

    def _gpu_capacity(self, config: StackConfig) -> ecs.AsgCapacityProvider:
        role = iam.Role(
            self,
            "GpuInstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonEC2ContainerServiceforEC2Role"
                ),
            ],
        )
        template = ec2.LaunchTemplate(
            self,
            "GpuLaunchTemplate",
            instance_type=ec2.InstanceType(config.gpu_instance_type),
            machine_image=ecs.EcsOptimizedImage.amazon_linux2(ecs.AmiHardwareType.GPU),
            user_data=ec2.UserData.for_linux(),
            role=role,
            security_group=self.security_group,
            require_imdsv2=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        100, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3
                    ),
                )
            ],
        )
        group = autoscaling.AutoScalingGroup(
            self,
            "GpuInstances",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=template,
            min_capacity=0,
            max_capacity=config.gpu_max_instances,
            default_instance_warmup=Duration.minutes(5),
        )
        provider = ecs.AsgCapacityProvider(
            self,
            "GpuCapacity",
            auto_scaling_group=group,
            capacity_provider_name=f"{config.prefix}-gpu",
            enable_managed_scaling=True,
            # Tasks drain themselves on SIGTERM; instance protection would keep idle GPUs.
            enable_managed_termination_protection=False,
            # ECS managed draining moves tasks off a terminating instance; the CDK's own drain
            # hook (a Lambda function and an SNS topic) is not needed beside it.
            enable_managed_draining=True,
        )
        self.cluster.add_asg_capacity_provider(provider)
        agent_policy = role.node.try_find_child("DefaultPolicy")
        if agent_policy is not None:
            accept_findings(agent_policy, "CKV_AWS_111")
        return provider


# CloudWatch Logs keeps logs for one of these fixed numbers of days.
_RETENTION_DAYS = {
    "ONE_DAY": 1,
    "THREE_DAYS": 3,
    "FIVE_DAYS": 5,
    "ONE_WEEK": 7,
    "TWO_WEEKS": 14,
    "ONE_MONTH": 30,
    "TWO_MONTHS": 60,
    "THREE_MONTHS": 90,
    "SIX_MONTHS": 180,
    "ONE_YEAR": 365,
    "TWO_YEARS": 731,
    "FIVE_YEARS": 1827,
    "TEN_YEARS": 3653,
}


def retention(days: int) -> logs.RetentionDays:
    """The longest CloudWatch retention that does not exceed ``days`` (at least one day)."""
    fitting = [name for name, value in _RETENTION_DAYS.items() if value <= days]
    return logs.RetentionDays[max(fitting, key=_RETENTION_DAYS.__getitem__, default="ONE_DAY")]
