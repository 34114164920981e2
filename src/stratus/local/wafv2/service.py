"""AWS WAF (wafv2) as an emulated service: web ACLs evaluated on the CloudFront edge.

Resources are created in moto (the wafv2 API lists and describes them); what the edge
evaluates is read from the templates. A CLOUDFRONT web ACL named by a distribution's
`DistributionConfig.WebACLId` (its ARN) is evaluated on every viewer request through the
distribution's `viewer_filters` (before the behaviour's Lambda@Edge and the cache, as on
AWS: https://docs.aws.amazon.com/waf/latest/developerguide/cloudfront-features.html).
A blocked request gets CloudFront's 403 page (or the ACL's custom response).

Counters: CloudWatch `AWS/WAFV2` AllowedRequests / BlockedRequests / CountedRequests with
dimensions WebACL (its metric name) and Rule (the rule's metric name, `ALL` for the
ACL's total); CloudFront ACLs carry no Region dimension and report in us-east-1
(https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html). The last
requests per ACL answer `GetSampledRequests`; `UpdateIPSet` and `UpdateRegexPatternSet`
through the API change what the evaluator uses at once.

GeoMatch: there is no IP geolocation locally; loopback and private addresses are in the
country `STRATUS_WAF_LOCAL_COUNTRY` (default US), any other address in none.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.provision.model import Deployment
from stratus.local.provision.provider import Provider
from stratus.local.wafv2 import acl as acls
from stratus.local.wafv2.providers import (
    IpSetProvider,
    RegexPatternSetProvider,
    RuleGroupProvider,
    WebAclAssociationProvider,
    WebAclProvider,
)
from stratus.local.wafv2.rate import RateTracker
from stratus.local.wafv2.request import WafRequest
from stratus.local.wafv2.statements import References

log = logging.getLogger("stratus.wafv2")
NAMESPACE = "AWS/WAFV2"
SAMPLES = 500  # per web ACL; AWS keeps a sample of up to 500 per rule per 3 hours


def local_country() -> str:
    return os.environ.get("STRATUS_WAF_LOCAL_COUNTRY", "US").upper()


def country_of(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    return local_country() if (ip.is_loopback or ip.is_private) else ""


def _networks(addresses: Iterable[Any]) -> list[Any]:
    out = []
    for address in addresses:
        try:
            out.append(ipaddress.ip_network(str(address), strict=False))
        except ValueError:
            log.warning("IP set address %r is not a CIDR block (skipped)", address)
    return out


def load_references(deployment: Deployment) -> tuple[References, dict[str, str]]:
    """IP sets, regex pattern sets and rule groups by ARN; and Id -> ARN (for updates)."""
    refs = References()
    ids: dict[str, str] = {}
    for res in deployment.resources("AWS::WAFv2::IPSet"):
        arn = str(res.attributes.get("Arn", ""))
        refs.ip_sets[arn] = _networks(res.properties.get("Addresses") or [])
        ids[str(res.attributes.get("Id", ""))] = arn
    for res in deployment.resources("AWS::WAFv2::RegexPatternSet"):
        arn = str(res.attributes.get("Arn", ""))
        refs.regex_sets[arn] = acls.compile_regex_set(
            res.properties.get("RegularExpressionList") or []
        )
        ids[str(res.attributes.get("Id", ""))] = arn
    for res in deployment.resources("AWS::WAFv2::RuleGroup"):
        arn = str(res.attributes.get("Arn", ""))
        refs.rule_groups[arn] = acls.RuleGroup(
            str(res.physical_id.split("|")[0]),
            str(res.attributes.get("LabelNamespace", "")),
            sorted(
                (acls.parse_rule(r) for r in res.properties.get("Rules") or []),
                key=lambda r: r.priority,
            ),
        )
    return refs, ids


def load_acls(
    deployment: Deployment, refs: References, rates: RateTracker, warn: Any
) -> dict[str, acls.WebAcl]:
    found: dict[str, acls.WebAcl] = {}
    for res in deployment.resources("AWS::WAFv2::WebACL"):
        name, _, scope = ([*res.physical_id.split("|"), "", ""])[:3]
        account = deployment.stacks[res.stack].account
        arn = str(res.attributes.get("Arn", ""))
        where = f"{res.stack}/{res.logical_id}"
        try:
            web_acl = acls.WebAcl(arn, name, scope, account, res.properties, refs, rates=rates)
            for note in web_acl.notes():
                warn(f"WAF web ACL {where}: {note}")
        except (KeyError, ValueError) as exc:
            warn(f"WAF web ACL {where} not evaluated: {exc}")
            continue
        found[arn] = web_acl
    return found


class Sample:
    def __init__(self, request: WafRequest, verdict: acls.Verdict, when: float) -> None:
        self.request, self.verdict, self.when = request, verdict, when

    def shape(self) -> dict[str, Any]:
        r, v = self.request, self.verdict
        out: dict[str, Any] = {
            "Request": {
                "ClientIP": r.client_ip,
                "Country": r.country,
                "URI": r.uri,
                "Method": r.method,
                "HTTPVersion": "HTTP/1.1",
                "Headers": [{"Name": k, "Value": val} for k, val in r.headers],
            },
            "Weight": 1,
            "Timestamp": self.when,
            "Action": v.action,
            "Labels": [{"Name": label} for label in v.labels],
        }
        if v.group_rule:
            out["RuleNameWithinRuleGroup"] = v.group_rule
        return out


class AclRuntime:
    """Evaluates one web ACL for a resource and records metrics and samples."""

    def __init__(self, web_acl: acls.WebAcl, metrics: BuiltinMetrics, region: str) -> None:
        self.acl = web_acl
        self.metrics = metrics
        self.region = region
        self.samples: deque[Sample] = deque(maxlen=SAMPLES)

    def check(self, request: WafRequest) -> acls.Verdict:
        request.country = request.country or country_of(request.client_ip)
        verdict = self.acl.evaluate(request)
        self.samples.append(Sample(request, verdict, time.time()))
        self._record(verdict)
        return verdict

    def _dims(self, rule: str) -> tuple[tuple[str, str], ...]:
        dims = [("Rule", rule), ("WebACL", self.acl.metric)]
        if self.acl.scope != "CLOUDFRONT":
            dims.insert(0, ("Region", self.region))
        return tuple(dims)

    def _record(self, verdict: acls.Verdict) -> None:
        name = {
            "ALLOW": "AllowedRequests",
            "BLOCK": "BlockedRequests",
            "CAPTCHA": "CaptchaRequests",
            "CHALLENGE": "ChallengeRequests",
        }[verdict.action]
        self.metrics.count(
            self.region, NAMESPACE, name, [self._dims(verdict.metric), self._dims("ALL")]
        )
        if verdict.counted:
            self.metrics.count(
                self.region, NAMESPACE, "CountedRequests", [self._dims(m) for m in verdict.counted]
            )


def block_response(verdict: acls.Verdict, default: Response) -> Response:
    """The verdict as the viewer sees it: the ACL's custom response, CAPTCHA/Challenge's
    status with `x-amzn-waf-action`, or the resource's own 403 (`default`)."""
    if (
        verdict.action == "BLOCK"
        and verdict.status == 403
        and not verdict.body
        and not verdict.headers
    ):
        return default
    headers = dict(verdict.headers)
    if verdict.content_type:
        headers["content-type"] = verdict.content_type
    return Response(verdict.body, status_code=verdict.status, headers=headers)


class Wafv2Service(EmulatedService):
    name = "wafv2"
    order = 46  # after CloudFront (the edge's distributions exist) and the gateway
    moto_backends = ("wafv2",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::WAFv2::WebACL": WebAclProvider(),
        "AWS::WAFv2::IPSet": IpSetProvider(),
        "AWS::WAFv2::RegexPatternSet": RegexPatternSetProvider(),
        "AWS::WAFv2::RuleGroup": RuleGroupProvider(),
        "AWS::WAFv2::WebACLAssociation": WebAclAssociationProvider(),
    }

    def __init__(self) -> None:
        self.rates = RateTracker()
        self.refs = References()
        self.ids: dict[str, str] = {}
        self.acls: dict[str, acls.WebAcl] = {}
        self.runtimes: dict[str, AclRuntime] = {}  # ACL ARN -> its runtime
        self.attached: list[tuple[str, str]] = []  # (resource, ACL ARN)

    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("wafv2", "GetSampledRequests", before=self._sampled),
            Hook("wafv2", "UpdateIPSet", after=self._ip_set_updated),
            Hook("wafv2", "UpdateRegexPatternSet", after=self._regex_set_updated),
        ]

    async def start(self, cloud: CloudContext) -> None:
        deployment = cloud.require_deployment()
        self.refs, self.ids = load_references(deployment)
        self.acls = load_acls(deployment, self.refs, self.rates, cloud.reporter.warn)
        if not self.acls:
            return
        self._attach_distributions(cloud)
        self._attach_stages(cloud, deployment)

    def runtime(self, arn: str, metrics: BuiltinMetrics, region: str) -> AclRuntime | None:
        web_acl = self.acls.get(arn)
        if web_acl is None:
            return None
        found = self.runtimes.get(arn)
        if found is None:
            found = self.runtimes[arn] = AclRuntime(web_acl, metrics, region)
        return found

    def _attach_distributions(self, cloud: CloudContext) -> None:
        from stratus.local.cloudfront.service import CloudFrontService
        from stratus.local.wafv2.edge import attach

        try:
            edge = cloud.service(CloudFrontService).edge
        except LookupError:
            return
        if edge is None:
            return
        for dist in edge.distributions.values():
            if not dist.web_acl_id:
                continue
            runtime = self.runtime(dist.web_acl_id, cloud.metrics, "us-east-1")
            if runtime is None:
                cloud.reporter.warn(
                    f"CloudFront {dist.logical}: web ACL {dist.web_acl_id} is not a web ACL of"
                    " this deployment (WAF classic ids are not emulated): not evaluated"
                )
                continue
            if runtime.acl.scope != "CLOUDFRONT":
                cloud.reporter.warn(
                    f"CloudFront {dist.logical}: web ACL {runtime.acl.name} has scope "
                    f"{runtime.acl.scope}; AWS requires CLOUDFRONT (evaluated anyway)"
                )
            attach(dist, runtime)
            self.attached.append((dist.arn, runtime.acl.arn))

    def _attach_stages(self, cloud: CloudContext, deployment: Deployment) -> None:
        """REGIONAL web ACLs associated with REST API stages (wafv2/gateway.py)."""
        from stratus.local.gateway.service import GatewayService
        from stratus.local.wafv2.gateway import stage_filter, stage_of

        try:
            app = cloud.service(GatewayService).app
        except LookupError:
            return
        for res in deployment.resources("AWS::WAFv2::WebACLAssociation"):
            resource_arn = str(res.properties.get("ResourceArn") or "")
            acl_arn = str(res.properties.get("WebACLArn") or "")
            stage = stage_of(resource_arn)
            if stage is None or app is None:
                cloud.reporter.warn(
                    f"WAF association {res.logical_id}: {resource_arn} is not a REST API "
                    "stage (only stages and distributions are evaluated locally)"
                )
                continue
            runtime = self.runtime(acl_arn, cloud.metrics, cloud.settings.region)
            if runtime is None:
                cloud.reporter.warn(f"WAF association {res.logical_id}: unknown web ACL {acl_arn}")
                continue
            app.stage_filters.setdefault(stage, []).append(stage_filter(runtime))
            self.attached.append((resource_arn, runtime.acl.arn))

    # -- API hooks ----------------------------------------------------------------------------
    async def _sampled(self, call: AwsCall) -> Response | None:
        params = call.json_body()
        runtime = self.runtimes.get(str(params.get("WebAclArn", "")))
        if runtime is None:
            return None  # moto answers (an ACL the evaluator does not serve)
        rule = str(params.get("RuleMetricName") or "ALL")
        window = params.get("TimeWindow") or {}
        start = float(window.get("StartTime") or 0)
        end = float(window.get("EndTime") or time.time() + 1)
        limit = int(params.get("MaxItems") or 100)
        chosen = [
            s
            for s in runtime.samples
            if start <= s.when <= end and rule in ("ALL", s.verdict.metric, *s.verdict.counted)
        ]
        body = {
            "SampledRequests": [s.shape() for s in chosen[-limit:]],
            "PopulationSize": len(chosen),
            "TimeWindow": {"StartTime": start, "EndTime": end},
        }
        return Response(json.dumps(body), media_type="application/x-amz-json-1.1")

    async def _ip_set_updated(self, call: AwsCall, response: Response) -> None:
        params = call.json_body()
        arn = self.ids.get(str(params.get("Id", "")))
        if arn and response.status_code < 300:
            self.refs.ip_sets[arn] = _networks(params.get("Addresses") or [])

    async def _regex_set_updated(self, call: AwsCall, response: Response) -> None:
        params = call.json_body()
        arn = self.ids.get(str(params.get("Id", "")))
        if arn and response.status_code < 300:
            self.refs.regex_sets[arn] = acls.compile_regex_set(
                params.get("RegularExpressionList") or []
            )

    def describe(self) -> Mapping[str, Any]:
        if not self.acls:
            return {}
        return {"web ACLs": len(self.acls), "attached": len(self.attached)}


SERVICES = [Wafv2Service]
