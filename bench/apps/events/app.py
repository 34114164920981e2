"""Bench app: one producer-to-Lambda path per event source, all into one probe function
(its log says when each record arrived)."""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs

HERE = Path(__file__).parent


class LatencyStack(cdk.Stack):
    def __init__(self, scope: cdk.App, name: str) -> None:
        super().__init__(scope, name)
        probe = lambda_.Function(
            self,
            "Probe",
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler="probe.handler",
            code=lambda_.Code.from_asset(str(HERE / "functions")),
            timeout=cdk.Duration.seconds(10),
        )
        cdk.CfnOutput(self, "ProbeName", value=probe.function_name)

        bucket = s3.Bucket(self, "Drop", removal_policy=cdk.RemovalPolicy.DESTROY)
        bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(probe),
            s3.NotificationKeyFilter(prefix="lat/"),
        )
        cdk.CfnOutput(self, "BucketName", value=bucket.bucket_name)

        queue = sqs.Queue(self, "Direct")
        probe.add_event_source(sources.SqsEventSource(queue, batch_size=10))
        cdk.CfnOutput(self, "QueueUrl", value=queue.queue_url)

        topic = sns.Topic(self, "Fanout")
        fanned = sqs.Queue(self, "Fanned")
        topic.add_subscription(subs.SqsSubscription(fanned))
        probe.add_event_source(sources.SqsEventSource(fanned, batch_size=10))
        cdk.CfnOutput(self, "TopicArn", value=topic.topic_arn)

        rule = events.Rule(
            self, "Bench", event_pattern=events.EventPattern(source=["bench.latency"])
        )
        rule.add_target(targets.LambdaFunction(probe))

        stream = kinesis.Stream(self, "Clicks", shard_count=1)
        probe.add_event_source(
            sources.KinesisEventSource(stream, starting_position=lambda_.StartingPosition.LATEST)
        )
        cdk.CfnOutput(self, "StreamName", value=stream.stream_name)

        table = dynamodb.Table(
            self,
            "Items",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            stream=dynamodb.StreamViewType.KEYS_ONLY,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        probe.add_event_source(
            sources.DynamoEventSource(table, starting_position=lambda_.StartingPosition.LATEST)
        )
        cdk.CfnOutput(self, "TableName", value=table.table_name)


app = cdk.App()
LatencyStack(app, "EventLatency")
app.synth()
