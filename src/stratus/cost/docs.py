"""docs/cost.md: the seed's cost claims answered with numbers, generated from the model.

    python -m stratus.cost.docs [--check]

Every figure comes from `estimate()` over the prod stage's synthesized templates and the
profiles in `stratus/cost/profiles/`; `--check` exits 1 when the file is not current (a unit
test runs the same comparison).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from stratus.cost.estimate import estimate
from stratus.cost.model import Estimate
from stratus.cost.pricebook import PriceBook, load_prices
from stratus.cost.profile import CostOptions, TrafficProfile, load_profile
from stratus.cost.report import markdown_services, usd
from stratus.cost.templates import StackTemplate, load_templates, select_systems, synthesize_stage

REPO_ROOT = Path(__file__).resolve().parents[3]
DOC = REPO_ROOT / "docs" / "cost.md"
STAGE = "prod"


@dataclass(frozen=True)
class Scenario:
    title: str
    system: str
    profile: str  # file in stratus/cost/profiles
    patch: dict[str, Any] = field(default_factory=dict)  # profile fields changed
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    heading: str
    claim: str
    scenarios: tuple[Scenario, ...]
    reading: str  # why the numbers move, in a sentence or two
    compare: tuple[tuple[int, int], ...] = ()  # scenario pairs stated as a difference


UNCACHED: dict[str, Any] = {"cdn_cache_hit_ratio": 0.0}


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "The to-do system at 1,000 / 100,000 / 10 million users",
        'Seed: "Cost-Efficient: pay only for what you use (API Gateway, Lambda, DynamoDB)".',
        (
            Scenario("1,000 users", "todo", "todo-1k"),
            Scenario("100,000 users", "todo", "todo-100k"),
            Scenario("10 million users", "todo", "todo-10m"),
            Scenario(
                "10 million users, provisioned DynamoDB",
                "todo",
                "todo-10m",
                options={"dynamodb_mode": "provisioned"},
            ),
            Scenario(
                "10 million users, Lambda on arm64",
                "todo",
                "todo-10m",
                options={"lambda_architecture": "arm64"},
            ),
            Scenario("10 million users, no DAX", "todo", "todo-10m", options={"dax": False}),
        ),
        "Usage-priced services (API Gateway, Lambda, DynamoDB) grow with the users; the prod "
        "stage's DAX cluster is billed by the hour whatever the traffic, so it weighs most at "
        "small scale. Cognito bills every monthly active user beyond the free 10,000 at the "
        "rate of the plan the template declares (Essentials); its Lite plan has lower tiers.",
        ((0, 1), (1, 2), (2, 3), (2, 4), (2, 5)),
    ),
    Claim(
        "The blog at 10,000 and 1 million page views a day",
        'Seed: MyBlog.com on S3 + CloudFront "ensures scalability, cost-effectiveness".',
        (
            Scenario("10k views, CloudFront caching", "blog", "blog-10k"),
            Scenario("10k views, CloudFront not caching", "blog", "blog-10k", patch=UNCACHED),
            Scenario("10k views, no CloudFront", "blog", "blog-10k", options={"cloudfront": False}),
            Scenario("1M views, CloudFront caching", "blog", "blog-1m"),
            Scenario("1M views, CloudFront not caching", "blog", "blog-1m", patch=UNCACHED),
            Scenario("1M views, no CloudFront", "blog", "blog-1m", options={"cloudfront": False}),
        ),
        "The blog's fixed costs (WAF, the API cache, alarms, dashboard, secrets) are billed "
        "whatever the traffic; data out and requests grow with the views. CloudFront's cache "
        "saves origin requests (S3 GETs are cheap); without CloudFront the same bytes leave "
        "through S3's internet egress instead, and S3 GETs replace CloudFront's per-request "
        "price, so at list prices the difference is small either way: CloudFront's case is "
        "latency, the edge cache, WAF at the edge and its always-free tier (1 TB and 10 million "
        "requests a month, not applied here).",
        ((0, 1), (0, 2), (3, 4), (3, 5)),
    ),
    Claim(
        "The update server's egress with and without CloudFront",
        'Seed: "High traffic during updates results in increased costs and CPU load"; '
        '"CloudFront: scalability and cost savings for static content distribution".',
        (
            Scenario("with CloudFront (98% cache hits)", "updates", "updates-egress"),
            Scenario(
                "without CloudFront (ALB + EC2 serve)",
                "updates",
                "updates-egress",
                options={"cloudfront": False},
            ),
        ),
        "The bytes leave AWS either way; CloudFront's per-GB rate is a little lower than EC2's "
        "internet egress and, above all, the load balancer no longer processes every byte "
        "(LCUs) and the instances serve 2% of the downloads instead of all of them (the CPU load "
        "the seed names; the group is priced at its desired size in both cases).",
        ((0, 1),),
    ),
)


def profile_named(name: str) -> TrafficProfile:
    path = resources.files("stratus.cost.profiles") / f"{name}.json"
    return load_profile(Path(str(path)))


def run(scenario: Scenario, stacks: Sequence[StackTemplate], prices: PriceBook) -> Estimate:
    profile = profile_named(scenario.profile)
    if scenario.patch:
        profile = profile.model_copy(update=scenario.patch)
    options = CostOptions.model_validate({**profile.options.model_dump(), **scenario.options})
    return estimate(
        select_systems(stacks, [scenario.system]), profile, prices, options, stage=STAGE
    )


def render(stacks: Sequence[StackTemplate], prices: PriceBook) -> str:
    out = [
        "# What the systems cost on AWS",
        "",
        "<!-- generated by `python -m stratus.cost.docs`; do not edit by hand -->",
        "",
        f"Monthly estimates of the `{STAGE}` stage from its synthesized templates, "
        f"{prices.region} prices read {prices.as_of.isoformat()} (`src/stratus/cost/prices/`), "
        "free tiers not applied. Profiles: `src/stratus/cost/profiles/`. Reproduce one with "
        "`stratus cost --stage prod --systems SYSTEM "
        "--traffic src/stratus/cost/profiles/NAME.json`.",
    ]
    for claim in CLAIMS:
        out += ["", f"## {claim.heading}", "", claim.claim, ""]
        results = [(s, run(s, stacks, prices)) for s in claim.scenarios]
        out += ["| scenario | USD / month | largest lines |", "| --- | ---: | --- |"]
        for scenario, est in results:
            top = ", ".join(f"{k} {usd(v)}" for k, v in list(est.services.items())[:3])
            out.append(f"| {scenario.title} | {usd(est.monthly_usd)} | {top} |")
        out += ["", claim.reading, ""]
        for a, b in claim.compare:
            (sa, ea), (sb, eb) = results[a], results[b]
            delta = eb.monthly_usd - ea.monthly_usd
            change = f"{delta / ea.monthly_usd:+.1%}" if ea.monthly_usd else "n/a"
            more = "more" if delta >= 0 else "less"
            moved = max(
                set(ea.services) | set(eb.services),
                key=lambda k: abs(eb.services.get(k, 0.0) - ea.services.get(k, 0.0)),
            )
            before, after = ea.services.get(moved, 0.0), eb.services.get(moved, 0.0)
            out.append(
                f"- {sb.title} vs {sa.title}: {usd(abs(delta))} {more} ({change}); "
                f"largest change {moved}, {usd(before)} -> {usd(after)}."
            )
        out.append("")
        first = results[0][1]
        out += [f"Per service, {results[0][0].title}:", "", markdown_services(first), ""]
        out += ["Assumptions:", ""]
        seen: set[str] = set()
        for _, est in results:
            for note in est.assumptions:
                if note not in seen and not note.startswith("Profile "):
                    seen.add(note)
                    out.append(f"- {note}")
        for name in dict.fromkeys(s.profile for s in claim.scenarios):
            out.append(f"- Profile `{name}`: {profile_named(name).description}.")
    out += _growth(stacks, prices)
    return "\n".join(out).rstrip() + "\n"


GROWTH = Scenario(
    "to-do from 1,000 users, +50% a month",
    "todo",
    "todo-1k",
    patch={"growth_per_month": 0.5, "months": 12},
)


def _growth(stacks: Sequence[StackTemplate], prices: PriceBook) -> list[str]:
    """A year of growth month by month (traffic and users compound together)."""
    est = run(GROWTH, stacks, prices)
    out = [
        "",
        "## Growth: " + GROWTH.title,
        "",
        "| month | USD | largest line |",
        "| ---: | ---: | --- |",
    ]
    for month in est.months:
        name, value = next(iter(month.services.items()))
        out.append(f"| {month.month} | {usd(month.usd)} | {name} {usd(value)} |")
    total = sum(m.usd for m in est.months)
    billed = next((m.month for m in est.months if m.services.get("cognito", 0) > 0), None)
    cognito = f" (from month {billed} here)" if billed else ""
    out += [
        "",
        f"A year: {usd(total)}. Usage-priced lines compound with the users; the DAX cluster "
        "costs the same every month; Cognito bills once the users pass its free 10,000"
        f"{cognito}.",
    ]
    return out


def current_text() -> str:
    cdk_out = synthesize_stage(REPO_ROOT, STAGE)
    return render(load_templates(cdk_out), load_prices("us-east-1"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stratus.cost.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cost.md is stale")
    args = parser.parse_args(argv)
    text = current_text()
    if args.check:
        stale = not DOC.is_file() or DOC.read_text() != text
        print("docs/cost.md is stale" if stale else "docs/cost.md is current", file=sys.stderr)
        return 1 if stale else 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
