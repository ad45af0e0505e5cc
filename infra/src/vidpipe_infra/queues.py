"""One SQS queue per worker from ``topology.QUEUES``, each with its DLQ and two alarms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from vidpipe_infra.checks import accept_findings
from vidpipe_types.topology import QUEUES, QueueSpec, StackNames, Worker

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from aws_cdk import aws_sns as sns

# Long polling at the longest SQS allows, as the runner's WAIT_TIME_SECONDS does.
_RECEIVE_WAIT = Duration.seconds(20)


@dataclass(frozen=True)
class WorkQueue:
    spec: QueueSpec
    queue: sqs.Queue
    dlq: sqs.Queue


class WorkQueues(Construct):
    """The work queues and their dead-letter queues; alarms go to ``alarm_topic``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: StackNames,
        alarm_topic: sns.ITopic,
        oldest_message_alarm_seconds: int,
        specs: Iterable[QueueSpec] = QUEUES,
    ) -> None:
        super().__init__(scope, construct_id)
        self._queues: dict[Worker, WorkQueue] = {}
        action = cw_actions.SnsAction(alarm_topic)
        for spec in specs:
            work_queue = self._work_queue(names, spec)
            self._queues[spec.worker] = work_queue
            for alarm in self._alarms(names, work_queue, oldest_message_alarm_seconds):
                alarm.add_alarm_action(action)

    def __getitem__(self, worker: Worker) -> WorkQueue:
        return self._queues[Worker(worker)]

    def __iter__(self) -> Iterator[WorkQueue]:
        return iter(self._queues.values())

    def _work_queue(self, names: StackNames, spec: QueueSpec) -> WorkQueue:
        worker = spec.worker.value.capitalize()
        dlq = sqs.Queue(
            self,
            f"{worker}Dlq",
            queue_name=names.dlq(spec.worker),
            retention_period=Duration.seconds(spec.dlq_retention_seconds),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        queue = sqs.Queue(
            self,
            f"{worker}Queue",
            queue_name=names.queue(spec.worker),
            # The runner extends visibility with a heartbeat while a handler runs, so this
            # base timeout only decides how soon a crashed task's message is retried.
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.seconds(spec.message_retention_seconds),
            receive_message_wait_time=_RECEIVE_WAIT,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=dlq
            ),
            # SSE-SQS (not KMS): S3 event notifications can be delivered to it as they are.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        for created in (queue, dlq):
            accept_findings(created, "CKV_AWS_27")
        return WorkQueue(spec=spec, queue=queue, dlq=dlq)

    def _alarms(
        self, names: StackNames, work_queue: WorkQueue, oldest_seconds: int
    ) -> list[cloudwatch.Alarm]:
        worker = work_queue.spec.worker
        label = worker.value.capitalize()
        dead_letters = cloudwatch.Alarm(
            self,
            f"{label}DlqNotEmpty",
            alarm_name=f"{names.dlq(worker)}-not-empty",
            alarm_description=(
                f"Messages in {names.dlq(worker)}: they failed {work_queue.spec.max_receive_count}"
                " times. Inspect and redrive with `vidpipe dlq`."
            ),
            metric=work_queue.dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        stale = cloudwatch.Alarm(
            self,
            f"{label}OldestMessage",
            alarm_name=f"{names.queue(worker)}-oldest-message",
            alarm_description=(
                f"The oldest message in {names.queue(worker)} is older than {oldest_seconds} s:"
                " the queue is not being drained (no task running, or tasks failing)."
            ),
            metric=work_queue.queue.metric_approximate_age_of_oldest_message(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=oldest_seconds,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=5,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        return [dead_letters, stale]
