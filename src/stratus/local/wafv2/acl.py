"""A web ACL evaluating a request: rules by priority, rule groups, actions, labels.

How AWS WAF evaluates (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html,
waf-rule-action.html, waf-managed-rule-groups-use.html):
- rules in ascending Priority; a matching rule adds its RuleLabels and applies its
  Action: Allow and Block end the evaluation; Count records and goes on; CAPTCHA and
  Challenge end it too for a request without a valid token — locally no request has one
  (no token service), so they always answer 405 / 202 with `x-amzn-waf-action`, as AWS
  answers a token-less request (waf-captcha-and-challenge-actions.html);
- a rule group (managed or your own) runs its rules in order; a rule's label goes on the
  request under the group's namespace; `RuleActionOverrides` replace a rule's action,
  `ExcludedRules` make it Count; the referencing rule's `OverrideAction` Count turns the
  group's terminating action into a count (labels stay);
- no terminating match: the DefaultAction (Allow, or Block with its custom response).
Block's CustomResponse (ResponseCode, CustomResponseBodyKey into the ACL's
CustomResponseBodies, ResponseHeaders) and Allow/Count's CustomRequestHandling
(InsertHeaders, sent as `x-amzn-waf-<name>`) are honoured.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.local.wafv2 import managed, rate, statements
from stratus.local.wafv2.request import WafRequest
from stratus.local.wafv2.statements import reference_arn

TERMINATING = ("Allow", "Block", "Captcha", "Challenge")


@dataclass
class Rule:
    name: str
    priority: int
    statement: Mapping[str, Any]
    action: str = ""  # Allow | Block | Count | Captcha | Challenge ("" for group references)
    action_spec: Mapping[str, Any] = field(default_factory=dict)
    override_count: bool = False  # OverrideAction Count (group references)
    labels: tuple[str, ...] = ()
    metric: str = ""


@dataclass
class RuleGroup:
    """A customer rule group (AWS::WAFv2::RuleGroup): its rules and label namespace."""

    name: str
    namespace: str
    rules: list[Rule]


@dataclass
class Verdict:
    action: str  # ALLOW | BLOCK | CAPTCHA | CHALLENGE
    rule: str  # terminating rule name, or Default_Action
    metric: str  # terminating rule's metric name, or Default_Action
    labels: list[str]
    counted: list[str]  # metric names of rules that counted
    status: int = 403
    body: bytes = b""
    content_type: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    insert_headers: list[tuple[str, str]] = field(default_factory=list)
    group_rule: str = ""  # the rule within a rule group that terminated


def _action(spec: Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any]]:
    if not spec:
        return "", {}
    name, body = next(iter(spec.items()))
    return str(name), body or {}


def parse_rule(spec: Mapping[str, Any]) -> Rule:
    action, body = _action(spec.get("Action"))
    override, _ = _action(spec.get("OverrideAction"))
    return Rule(
        name=str(spec["Name"]),
        priority=int(spec.get("Priority", 0)),
        statement=spec["Statement"],
        action=action,
        action_spec=body,
        override_count=override == "Count",
        labels=tuple(str(label["Name"]) for label in spec.get("RuleLabels") or []),
        metric=str((spec.get("VisibilityConfig") or {}).get("MetricName") or spec["Name"]),
    )


class WebAcl:
    def __init__(
        self,
        arn: str,
        name: str,
        scope: str,
        account: str,
        props: Mapping[str, Any],
        refs: statements.References,
        *,
        rates: rate.RateTracker | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.arn = arn
        self.name = name
        self.scope = scope
        self.refs = refs
        self.rates = rates or rate.RateTracker()
        self.clock = clock
        self.namespace = f"awswaf:{account}:webacl:{name}:"
        self.metric = str((props.get("VisibilityConfig") or {}).get("MetricName") or name)
        self.default, self.default_spec = _action(props.get("DefaultAction") or {"Allow": {}})
        self.bodies: Mapping[str, Any] = props.get("CustomResponseBodies") or {}
        self.rules = sorted(
            (parse_rule(r) for r in props.get("Rules") or []), key=lambda r: r.priority
        )

    # -- load-time checks -------------------------------------------------------------------
    def notes(self) -> list[str]:
        """What this emulator evaluates differently (one line each); raises ValueError
        for what it cannot evaluate."""
        found: list[str] = []
        for rule in self.rules:
            found += [f"rule {rule.name}: {n}" for n in _rule_notes(rule, self.refs)]
        return found

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, request: WafRequest) -> Verdict:
        ev = statements.Evaluation(request, self.refs, self.rates, self.clock())
        counted: list[str] = []
        for rule in self.rules:
            ev.rule_key = f"{self.arn}/{rule.name}"
            ((kind, spec),) = rule.statement.items()
            if kind in ("ManagedRuleGroupStatement", "RuleGroupReferenceStatement"):
                verdict = self._group(rule, kind, spec, ev, counted)
                if verdict is not None:
                    return verdict
                continue
            if not statements.matches(rule.statement, ev):
                continue
            ev.labels += [self.namespace + label for label in rule.labels]
            if rule.action == "Count":
                counted.append(rule.metric)
                continue
            return self._terminate(
                rule.action, rule.action_spec, rule.name, rule.metric, ev, counted
            )
        return self._terminate(
            self.default, self.default_spec, "Default_Action", "Default_Action", ev, counted
        )

    def _group(
        self,
        rule: Rule,
        kind: str,
        spec: Mapping[str, Any],
        ev: statements.Evaluation,
        counted: list[str],
    ) -> Verdict | None:
        scope_down = spec.get("ScopeDownStatement")
        if scope_down and not statements.matches(scope_down, ev):
            return None
        if kind == "ManagedRuleGroupStatement":
            group = managed.group(str(spec.get("VendorName")), str(spec.get("Name")))
            if group is None:
                return None
            namespace = group.namespace
            members = [
                Rule(m.name, i, m.statement, m.action, labels=(m.label,), metric=m.name)
                for i, m in enumerate(group.rules)
            ]
        else:
            custom: RuleGroup | None = self.refs.rule_groups.get(reference_arn(spec))
            if custom is None:
                return None
            namespace, members = custom.namespace, custom.rules
        excluded = {str(e["Name"]) for e in spec.get("ExcludedRules") or []}
        overrides = {
            str(o["Name"]): _action(o.get("ActionToUse"))
            for o in spec.get("RuleActionOverrides") or []
        }
        for member in members:
            ev.rule_key = f"{self.arn}/{rule.name}/{member.name}"
            if not statements.matches(member.statement, ev):
                continue
            ev.labels += [namespace + label for label in member.labels]
            action, action_spec = member.action, member.action_spec
            if member.name in overrides:
                action, action_spec = overrides[member.name]
            if member.name in excluded:
                action = "Count"
            if action == "Count":
                counted.append(member.metric)
                continue
            if rule.override_count:
                counted.append(rule.metric)
                return None
            verdict = self._terminate(action, action_spec, rule.name, rule.metric, ev, counted)
            verdict.group_rule = member.name
            return verdict
        return None

    def _terminate(
        self,
        action: str,
        spec: Mapping[str, Any],
        rule: str,
        metric: str,
        ev: statements.Evaluation,
        counted: list[str],
    ) -> Verdict:
        verdict = Verdict(action.upper(), rule, metric, ev.labels, counted)
        if action in ("Allow", "Count"):
            verdict.insert_headers = _inserted(spec)
        elif action == "Block":
            custom = spec.get("CustomResponse") or {}
            if custom:
                verdict.status = int(custom.get("ResponseCode") or 403)
                body = self.bodies.get(str(custom.get("CustomResponseBodyKey") or ""))
                if body:
                    verdict.body = str(body.get("Content", "")).encode()
                    verdict.content_type = _CONTENT_TYPES.get(
                        str(body.get("ContentType")), "text/plain"
                    )
                verdict.headers = [
                    (f"x-amzn-waf-{h['Name']}", str(h["Value"]))
                    for h in custom.get("ResponseHeaders") or []
                ]
        elif action == "Captcha":
            verdict.status, verdict.headers = 405, [("x-amzn-waf-action", "captcha")]
        elif action == "Challenge":
            verdict.status, verdict.headers = 202, [("x-amzn-waf-action", "challenge")]
        return verdict


_CONTENT_TYPES = {
    "TEXT_PLAIN": "text/plain",
    "TEXT_HTML": "text/html",
    "APPLICATION_JSON": "application/json",
}


def _inserted(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    handling = spec.get("CustomRequestHandling") or {}
    return [
        (f"x-amzn-waf-{h['Name']}", str(h["Value"])) for h in handling.get("InsertHeaders") or []
    ]


def _rule_notes(rule: Rule, refs: statements.References) -> list[str]:
    ((kind, spec),) = rule.statement.items()
    notes: list[str] = []
    if rule.action in ("Captcha", "Challenge"):
        notes.append(
            f"{rule.action} answers every match ({'405' if rule.action == 'Captcha' else '202'}):"
            " no local token service"
        )
    if kind == "ManagedRuleGroupStatement":
        vendor, name = str(spec.get("VendorName")), str(spec.get("Name"))
        if managed.group(vendor, name) is None:
            notes.append(f"managed rule group {vendor}/{name} is not emulated (never matches)")
        if spec.get("Version"):
            notes.append(f"version {spec['Version']} requested; the latest static rules run")
        return notes
    if kind == "RuleGroupReferenceStatement":
        if reference_arn(spec) not in refs.rule_groups:
            notes.append(
                f"rule group {reference_arn(spec)} is not in the deployment (never matches)"
            )
        return notes
    if kind == "RateBasedStatement":
        notes += rate.check(spec)
    notes += statements.check(rule.statement)
    return notes


def compile_regex_set(patterns: Sequence[Any]) -> list[re.Pattern[str]]:
    out = []
    for entry in patterns:
        text = entry.get("RegexString") if isinstance(entry, Mapping) else entry
        out.append(re.compile(str(text)))
    return out
