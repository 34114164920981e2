"""Amazon DynamoDB and DAX.

On-demand: read request units (1 per strongly consistent read of up to 4 KB) and write
request units (1 per write of up to 1 KB), each write also written to every global secondary
index (https://aws.amazon.com/dynamodb/pricing/on-demand/). Provisioned: capacity units by
the hour, sized for the peak (https://aws.amazon.com/dynamodb/pricing/provisioned/). Storage
per GB-month. DAX: per node-hour, every node of the cluster.
"""

from __future__ import annotations

import math

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook
from stratus.cost.services.context import PricingContext
from stratus.cost.workload import dax_clusters

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024


def read_units(item_bytes: int) -> int:
    return max(1, math.ceil(item_bytes / READ_UNIT_BYTES))


def write_units(item_bytes: int) -> int:
    return max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES))


def on_demand_cost(rru: float, wru: float, prices: PriceBook) -> tuple[float, float]:
    return (
        rru / 1e6 * float(prices.rate("dynamodb", "on_demand_rru_per_million")),
        wru / 1e6 * float(prices.rate("dynamodb", "on_demand_wru_per_million")),
    )


def provisioned_cost(
    rcu: float, wcu: float, hours: float, prices: PriceBook
) -> tuple[float, float]:
    return (
        rcu * hours * float(prices.rate("dynamodb", "provisioned_rcu_hour")),
        wcu * hours * float(prices.rate("dynamodb", "provisioned_wcu_hour")),
    )


def storage_cost(gb: float, prices: PriceBook, *, free_gb: float = 0.0) -> float:
    return max(gb - free_gb, 0.0) * float(prices.rate("dynamodb", "storage_gb_month"))


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    item = ctx.profile.item_size_bytes
    seconds = ctx.hours * 3600
    free_gb = (
        float(ctx.prices.rate("dynamodb", "free_tier", "storage_gb"))
        if ctx.options.free_tier
        else 0.0
    )
    for table in ctx.inv.of_type("AWS::DynamoDB::Table"):
        indexes = len(table.props.get("GlobalSecondaryIndexes", []) or [])
        rru = ctx.work.reads.get(table.key, 0.0) * read_units(item)
        wru = ctx.work.writes.get(table.key, 0.0) * write_units(item) * (1 + indexes)
        declared = (
            "provisioned"
            if table.props.get("BillingMode", "PROVISIONED") == "PROVISIONED"
            else "on_demand"
        )
        mode = ctx.options.dynamodb_mode or declared
        if mode == "on_demand":
            r_usd, w_usd = on_demand_cost(rru, wru, ctx.prices)
            out.append(
                ctx.line("dynamodb", table, "read request units (on-demand)", rru, "RRU", r_usd)
            )
            out.append(
                ctx.line("dynamodb", table, "write request units (on-demand)", wru, "WRU", w_usd)
            )
        else:
            declared_tp = table.props.get("ProvisionedThroughput") or {}
            peak = ctx.profile.peak_to_average
            rcu = max(1.0, math.ceil(rru / seconds * peak))
            wcu = max(1.0, math.ceil(wru / seconds * peak))
            if ctx.options.dynamodb_mode is None and declared_tp:
                rcu = float(declared_tp.get("ReadCapacityUnits", rcu))
                wcu = float(declared_tp.get("WriteCapacityUnits", wcu))
            r_usd, w_usd = provisioned_cost(rcu, wcu, ctx.hours, ctx.prices)
            out.append(
                ctx.line(
                    "dynamodb",
                    table,
                    "read capacity (provisioned)",
                    rcu * ctx.hours,
                    "RCU-hours",
                    r_usd,
                )
            )
            out.append(
                ctx.line(
                    "dynamodb",
                    table,
                    "write capacity (provisioned)",
                    wcu * ctx.hours,
                    "WCU-hours",
                    w_usd,
                )
            )
        gb = ctx.work.table_gb.get(table.key, 0.0)
        take = min(free_gb, gb)
        free_gb -= take
        out.append(
            ctx.line(
                "dynamodb",
                table,
                "storage",
                gb,
                "GB-month",
                storage_cost(gb, ctx.prices, free_gb=take),
            )
        )
    for cluster in dax_clusters(ctx.inv, ctx.options):
        node_type = str(cluster.props.get("NodeType", "dax.t3.small"))
        nodes = int(cluster.props.get("ReplicationFactor", 1))
        rate = float(ctx.prices.rate("dax", "node_hour", node_type))
        out.append(
            ctx.line(
                "dax",
                cluster,
                f"{nodes} x {node_type} nodes",
                nodes * ctx.hours,
                "node-hours",
                nodes * ctx.hours * rate,
            )
        )
    return out
