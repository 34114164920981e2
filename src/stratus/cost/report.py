"""An estimate as text: per service, then per resource with what each line bills, then the
assumptions; and as the Markdown tables of docs/cost.md."""

from __future__ import annotations

from collections import defaultdict

from stratus.cost.model import Estimate


def usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:,.4f}"


def render_text(est: Estimate) -> str:
    out = [
        f"Stage {est.stage or '(templates)'} in {est.region}, profile {est.profile!r}, "
        f"prices of {est.prices_as_of}",
        "",
        f"{'service':<16}{'USD / month':>14}",
    ]
    out += [f"{name:<16}{usd(value):>14}" for name, value in est.services.items()]
    out += [f"{'total':<16}{usd(est.monthly_usd):>14}", ""]
    by_resource: dict[str, list[str]] = defaultdict(list)
    totals: dict[str, float] = defaultdict(float)
    for line in est.lines:
        key = f"{line.stack}/{line.resource}"
        totals[key] += line.usd
        by_resource[key].append(f"    {line.service:<14} {line.describe():<60} {usd(line.usd):>12}")
    out.append("per resource")
    for key in sorted(by_resource, key=lambda k: (-totals[k], k)):
        out.append(f"  {key}  {usd(totals[key])}")
        out.extend(by_resource[key])
    if est.months:
        out += ["", "month by month"]
        out += [f"  month {m.month:>3}  {usd(m.usd):>14}" for m in est.months]
    out += ["", "assumptions"]
    out += [f"  - {note}" for note in est.assumptions]
    return "\n".join(out) + "\n"


def markdown_services(est: Estimate, top: int = 8) -> str:
    rows = ["| service | USD / month |", "| --- | ---: |"]
    shown = list(est.services.items())[:top]
    rows += [f"| {name} | {usd(value)} |" for name, value in shown]
    rest = sum(v for _, v in list(est.services.items())[top:])
    if rest:
        rows.append(f"| everything else | {usd(rest)} |")
    rows.append(f"| **total** | **{usd(est.monthly_usd)}** |")
    return "\n".join(rows)
