"""The blog's alarms and dashboard: what an operator watches, in one place.

Alarms notify the stack's alarm topic: function errors (each function), the API's 5xx
answers, CloudFront's 5xx error rate (a percentage: `Average` of `5xxErrorRate`, as
CloudFront publishes it per minute), and the SES bounce rate (AWS reviews an account above
5 % and may pause sending above 10 %:
https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html). Missing data is not a
breach: a quiet blog is a healthy one. The dashboard draws the same metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

API_5XX_PER_5_MIN = 5
EDGE_5XX_PERCENT = 5.0
BOUNCE_RATE = 0.05  # SES's review threshold (a fraction in the Reputation.BounceRate metric)


class BlogMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        topic: sns.ITopic,
        api: apigw.RestApi,
        distribution: cloudfront.IDistribution,
        functions: Sequence[lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        action = actions.SnsAction(topic)
        five_minutes = Duration.minutes(5)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(name: str, metric: cloudwatch.IMetric, threshold: float, what: str) -> None:
            created = cloudwatch.Alarm(
                self,
                name,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=what,
            )
            created.add_alarm_action(action)
            self.alarms.append(created)

        for fn in functions:
            alarm(
                f"{fn.node.id}Errors",
                fn.metric_errors(period=five_minutes, statistic="Sum"),
                1,
                f"{fn.node.id} raised at least once in 5 minutes",
            )
        api_5xx = api.metric_server_error(period=five_minutes, statistic="Sum")
        alarm("Api5xx", api_5xx, API_5XX_PER_5_MIN, "The blog API answered 5xx repeatedly")
        edge_5xx = cloudwatch.Metric(
            namespace="AWS/CloudFront",
            metric_name="5xxErrorRate",
            dimensions_map={"DistributionId": distribution.distribution_id, "Region": "Global"},
            statistic="Average",
            period=five_minutes,
            region="us-east-1",
        )
        alarm("Edge5xxRate", edge_5xx, EDGE_5XX_PERCENT, "CloudFront served 5xx to readers")
        bounce = cloudwatch.Metric(
            namespace="AWS/SES",
            metric_name="Reputation.BounceRate",
            statistic="Maximum",
            period=Duration.hours(1),
        )
        alarm("SesBounceRate", bounce, BOUNCE_RATE, "SES bounce rate at AWS's review level")

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"stratus-{stage}-blog"
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# MyBlog.com ({stage})", width=24, height=1),
            cloudwatch.GraphWidget(
                title="API requests and 5xx",
                left=[api.metric_count(period=five_minutes), api_5xx],
                width=12,
            ),
            cloudwatch.GraphWidget(title="Edge 5xx error rate (%)", left=[edge_5xx], width=12),
            cloudwatch.GraphWidget(
                title="Function errors",
                left=[fn.metric_errors(period=five_minutes) for fn in functions],
                width=12,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=12),
        )
