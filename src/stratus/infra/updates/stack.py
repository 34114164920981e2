"""The updates stack: the existing update server on EC2, and CloudFront in front of it.

- VPC: public subnets (the ALB) and private ones with one NAT gateway (instances fetch their
  package from S3 and dnf packages; nothing reaches them from the internet).
- An Auto Scaling group (launch template: Amazon Linux 2023, IMDSv2 only, encrypted root
  volume; user data in `userdata`) behind an internet-facing ALB whose HTTP listener only
  CloudFront can reach: its security group admits CloudFront's origin-facing managed prefix
  list alone (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html#managed-prefix-list).
- CloudFront with the ALB as a custom origin (HttpOrigin, HTTP to the ALB) and the server
  unchanged: `/manifest.json` cached briefly (the origin says max-age=60; the policy caps
  it at 5 min so a release shows quickly), `/releases/*` (versioned names that never
  change) for up to a year with compression off (binaries do not compress, and a gzip
  variant would defeat Range requests against the cached object), both honouring the
  origin's Cache-Control between their min and max TTL. Origin Shield is on: an update
  storm comes from every edge location at once, and the shield (one regional cache in
  front of the origin) turns one miss per edge location into one origin fetch per object,
  which is what keeps two small instances alive when a 100 MB release goes out
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, CfnParameter, Duration, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.stage import StageConfig
from stratus.infra.updates.userdata import PORT, user_data

# The origin-facing prefix list's id in us-east-1; other regions pass theirs as a parameter
# (`aws ec2 describe-managed-prefix-lists --filters
#  Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`).
CLOUDFRONT_PREFIX_LIST = "pl-3b927c52"
SHIELD_REGION = "us-east-1"


class UpdatesStack(Stack):
    def __init__(self, scope: Construct, *, cfg: StageConfig, app_code: Path) -> None:
        super().__init__(
            scope,
            f"{cfg.stack_prefix}-Updates",
            description="stratus updates: update server on EC2 behind an ALB and CloudFront",
        )
        prefix_list = CfnParameter(
            self,
            "CloudFrontPrefixListId",
            default=CLOUDFRONT_PREFIX_LIST,
            description="CloudFront's origin-facing managed prefix list in this region",
        )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=1,
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ],
        )
        alb_sg = ec2.SecurityGroup(
            self, "AlbSecurityGroup", vpc=vpc, description="CloudFront to the update ALB only"
        )
        alb_sg.add_ingress_rule(
            ec2.Peer.prefix_list(prefix_list.value_as_string),
            ec2.Port.tcp(80),
            "CloudFront origin-facing servers",
        )
        instance_sg = ec2.SecurityGroup(
            self, "InstanceSecurityGroup", vpc=vpc, description="the ALB to the update servers"
        )
        instance_sg.add_ingress_rule(alb_sg, ec2.Port.tcp(PORT), "the update ALB")
        app = s3_assets.Asset(self, "AppCode", path=str(app_code))
        role = iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")
            ],
        )
        app.grant_read(role)
        template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=ec2.MachineImage.latest_amazon_linux2023(),
            instance_type=ec2.InstanceType("t3.small"),
            security_group=instance_sg,
            role=role,
            user_data=user_data(app),
            require_imdsv2=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(8, encrypted=True),
                )
            ],
        )
        group = autoscaling.AutoScalingGroup(
            self,
            "Servers",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=template,
            min_capacity=2,
            max_capacity=4,
            desired_capacity=2,
            health_checks=autoscaling.HealthChecks.with_additional_checks(
                additional_types=[autoscaling.AdditionalHealthCheckType.ELB],
                grace_period=Duration.minutes(3),
            ),
        )
        alb = elbv2.ApplicationLoadBalancer(
            self, "Alb", vpc=vpc, internet_facing=True, security_group=alb_sg
        )
        listener = alb.add_listener("Http", port=80, open=False)
        listener.add_targets(
            "Servers",
            port=PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[group],
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path="/health",
                interval=Duration.seconds(10),
                healthy_threshold_count=2,
                unhealthy_threshold_count=2,
            ),
        )
        origin = origins.HttpOrigin(
            alb.load_balancer_dns_name,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            http_port=80,
            origin_shield_enabled=True,
            origin_shield_region=SHIELD_REGION,
        )
        manifest_policy = cloudfront.CachePolicy(
            self,
            "ManifestCache",
            comment="manifest.json: the origin's max-age (60 s), at most 5 min",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(60),
            max_ttl=Duration.minutes(5),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        release_policy = cloudfront.CachePolicy(
            self,
            "ReleaseCache",
            comment="versioned release files: the origin's max-age, up to a year",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.days(1),
            max_ttl=Duration.days(365),
        )
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="stratus software updates",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                cache_policy=manifest_policy,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            ),
            additional_behaviors={
                "/manifest.json": cloudfront.BehaviorOptions(
                    origin=origin,
                    cache_policy=manifest_policy,
                    compress=True,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                ),
                "/releases/*": cloudfront.BehaviorOptions(
                    origin=origin,
                    cache_policy=release_policy,
                    compress=False,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                ),
            },
        )
        CfnOutput(self, "UpdatesUrl", value=f"https://{distribution.distribution_domain_name}")
        CfnOutput(self, "UpdatesOriginUrl", value=f"http://{alb.load_balancer_dns_name}")
        CfnOutput(self, "UpdatesDistributionId", value=distribution.distribution_id)
        self._acknowledge(vpc, alb, group, role, distribution)

    def _acknowledge(
        self,
        vpc: ec2.Vpc,
        alb: elbv2.ApplicationLoadBalancer,
        group: autoscaling.AutoScalingGroup,
        role: iam.Role,
        distribution: cloudfront.Distribution,
    ) -> None:
        acknowledge(
            vpc,
            "AwsSolutions-VPC7",
            "Flow logs are a per-account decision; the VPC carries only CloudFront-to-ALB "
            "and ALB-to-instance HTTP of public release files.",
        )
        acknowledge(
            alb,
            "AwsSolutions-ELB2",
            "ALB access logs would duplicate CloudFront's; the origin's own access log is on "
            "each instance.",
        )
        acknowledge(
            alb,
            "AwsSolutions-EC23",
            "The ALB security group admits CloudFront's origin-facing prefix list only; nag "
            "cannot resolve the prefix-list parameter.",
        )
        acknowledge(
            group,
            "AwsSolutions-AS3",
            "Scaling notifications are not needed: instance replacement is visible in the "
            "group's activity history and the ALB's host counts.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "AmazonSSMManagedInstanceCore]",
            "Session Manager access to the instances (no SSH, no open port) needs this "
            "AWS-managed policy.",
        )
        read_grant = (
            "CDK's read grant on the one asset object the user data downloads from the "
            "bootstrap bucket."
        )
        for finding in (
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            "<AWS::Region>/*",
        ):
            acknowledge(role, f"AwsSolutions-IAM5[{finding}]", read_grant)
        for rule, reason in (
            ("AwsSolutions-CFR1", "Software updates go to every country; no geo restriction."),
            (
                "AwsSolutions-CFR2",
                "Public static files only; WAF on the distribution is an "
                "account-level choice left to the deployer.",
            ),
            (
                "AwsSolutions-CFR3",
                "Access logs are off: origin requests are counted on the "
                "instances, viewer metrics by CloudFront.",
            ),
            (
                "AwsSolutions-CFR4",
                "The default cloudfront.net certificate: no custom domain "
                "for the update endpoint yet.",
            ),
            (
                "AwsSolutions-CFR5",
                "The ALB origin is HTTP inside AWS's network, reachable "
                "from CloudFront's prefix list only; files are public and sha256-checked.",
            ),
        ):
            acknowledge(distribution, rule, reason)
