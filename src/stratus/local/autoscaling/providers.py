"""AWS::EC2::LaunchTemplate and AWS::AutoScaling::AutoScalingGroup, recorded for the runner.

Neither goes to moto: moto's Auto Scaling needs real subnets and would start fake EC2
instances of its own, while the VPC a template declares is not emulated (AWS::EC2::VPC and
friends are named as skipped). The resolved properties stay in the deployment and the
runner (`service`) reads them there. Attributes are CloudFormation's
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-launchtemplate.html#aws-resource-ec2-launchtemplate-return-values):
a launch template's Ref is its id (`lt-` + 17 hex digits), with LatestVersionNumber and
DefaultVersionNumber (`1`: each template change replaces it locally); a group's Ref is
its name.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext


class LaunchTemplateProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        seed = f"{ctx.stack}/{ctx.logical_id}/{json.dumps(props, sort_keys=True, default=str)}"
        template_id = "lt-" + hashlib.sha256(seed.encode()).hexdigest()[:17]
        return template_id, {
            "LaunchTemplateId": template_id,
            "LatestVersionNumber": "1",
            "DefaultVersionNumber": "1",
        }


class AutoScalingGroupProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("AutoScalingGroupName") or ctx.name(255))
        return name, {}


PROVIDERS: dict[str, Provider] = {
    "AWS::EC2::LaunchTemplate": LaunchTemplateProvider(),
    "AWS::AutoScaling::AutoScalingGroup": AutoScalingGroupProvider(),
}
