"""The updates stack: the ASG's user data starts the server (and names its local command),
the ALB admits CloudFront only, CloudFront's behaviours and outputs, lint-clean."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Synth


def _template(synth: Synth) -> dict[str, Any]:
    path = synth.outdir / f"Stratus-{synth.stage}-Updates.template.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def _text(value: Any) -> str:
    """The literal parts of a (possibly Fn::Join) string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_text(part) for part in value["Fn::Join"][1])
    if isinstance(value, dict) and "Fn::Base64" in value:
        return _text(value["Fn::Base64"])
    return ""


def test_user_data_installs_and_starts_the_server_and_names_its_local_command(
    dev: Synth,
) -> None:
    (template,) = _of_type(_template(dev), "AWS::EC2::LaunchTemplate")
    data = template["LaunchTemplateData"]
    script = _text(data["UserData"])
    assert "python3 -m stratus.updates.publish --root /var/lib/stratus-updates/site" in script
    assert "ExecStart=/usr/bin/python3 -m stratus.updates.server" in script
    assert "systemctl enable --now stratus-updates" in script
    assert "# stratus:local-command python -m stratus.updates.server" in script
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True


def test_group_registers_in_the_alb_target_group_on_the_server_port(dev: Synth) -> None:
    template = _template(dev)
    (group,) = _of_type(template, "AWS::AutoScaling::AutoScalingGroup")
    assert (group["MinSize"], group["DesiredCapacity"]) == ("2", "2")
    assert group["HealthCheckType"] == "ELB"
    (target_group,) = _of_type(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert target_group["Port"] == 8080 and target_group["HealthCheckPath"] == "/health"
    assert len(group["TargetGroupARNs"]) == 1


def test_only_cloudfront_reaches_the_alb(dev: Synth) -> None:
    template = _template(dev)
    ingress = [
        rule
        for sg in _of_type(template, "AWS::EC2::SecurityGroup")
        for rule in sg.get("SecurityGroupIngress", [])
    ] + _of_type(template, "AWS::EC2::SecurityGroupIngress")
    by_port = {rule["FromPort"]: rule for rule in ingress}
    assert set(by_port) == {80, 8080}
    assert by_port[80]["SourcePrefixListId"] == {"Ref": "CloudFrontPrefixListId"}
    assert "SourceSecurityGroupId" in by_port[8080]  # instances: from the ALB only
    assert all("CidrIp" not in rule and "CidrIpv6" not in rule for rule in ingress)
    assert template["Parameters"]["CloudFrontPrefixListId"]["Default"].startswith("pl-")


def test_cloudfront_custom_origin_behaviours_and_outputs(dev: Synth) -> None:
    template = _template(dev)
    (dist,) = _of_type(template, "AWS::CloudFront::Distribution")
    config = dist["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"
    assert origin["DomainName"] == {
        "Fn::GetAtt": [origin["DomainName"]["Fn::GetAtt"][0], "DNSName"]
    }
    assert origin["OriginShield"]["Enabled"] is True
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert behaviours["/releases/*"]["Compress"] is False
    policies = {
        key: r["Properties"]["CachePolicyConfig"]
        for key, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudFront::CachePolicy"
    }
    manifest = policies[behaviours["/manifest.json"]["CachePolicyId"]["Ref"]]
    release = policies[behaviours["/releases/*"]["CachePolicyId"]["Ref"]]
    assert (manifest["MinTTL"], manifest["MaxTTL"]) == (0, 300)
    assert release["MaxTTL"] == 365 * 86400
    assert set(template["Outputs"]) >= {"UpdatesUrl", "UpdatesOriginUrl", "UpdatesDistributionId"}


def test_updates_template_is_lint_clean(dev: Synth) -> None:
    from cfnlint.api import lint

    path = dev.outdir / "Stratus-dev-Updates.template.json"
    errors = [m for m in lint(path.read_text(), regions=["us-east-1"]) if m.rule.id.startswith("E")]
    assert errors == []
