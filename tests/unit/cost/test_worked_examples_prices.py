"""The prices read in page text (checked_against_page_text in prices/us-east-1.json) stay equal
to what that text says, and the worked examples of the texts read reproduce with the model.

Each quote names where it was read; a price edit that leaves the text behind fails here and
must update the record (or the quote) with the date of the new reading.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services import compute, identity

ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/ (quoted verbatim, read 2026-09-20)"
VPC = "https://aws.amazon.com/vpc/pricing/ (quoted verbatim, read 2026-09-20)"
SECRETS = "https://aws.amazon.com/secrets-manager/pricing/ (quoted verbatim, read 2026-09-20)"
ROUTE53 = "https://aws.amazon.com/route53/pricing/ (quoted verbatim, read 2026-09-20)"
TOOLKIT = "https://github.com/aws/agent-toolkit-for-aws (AWS-authored, read at 2026-08-20)"
SES = "AWS Price List AmazonSES us-east-1, publicationDate 2026-07-22"

# (service, key path, the number the text states, where)
PAGE_QUOTES: list[tuple[str, tuple[str, ...], float, str]] = [
    ("elb", ("alb_hour",), 0.0225, ELB + ": '$0.0225 hourly charge'"),
    ("elb", ("lcu_hour",), 0.008, ELB + ": '$0.008 per LCU'"),
    ("elb", ("lcu_gb_per_hour", "lambda"), 0.4, ELB + ": '0.4 GB per hour for Lambda'"),
    ("vpc", ("nat_gateway_hour",), 0.045, VPC + ": '$0.045 per hour'"),
    ("vpc", ("nat_gateway_gb",), 0.045, VPC + ": 'a charge of $0.045 per GB'"),
    ("secretsmanager", ("secret_month",), 0.40, SECRETS + ": '$0.40 / secret / month'"),
    ("secretsmanager", ("api_per_10k",), 0.05, SECRETS + ": '$0.05/10,000 calls'"),
    ("route53", ("hosted_zone_month",), 0.50, ROUTE53 + ": '$0.50 per hosted zone per month'"),
    ("route53", ("standard_queries_per_million",), 0.40, ROUTE53 + ": '$0.40 per million'"),
    ("rds", ("aurora_serverless_v2_acu_hour",), 0.12, TOOLKIT + ": '0.12  # $/ACU-Hr'"),
    ("rds", ("aurora_storage_gb_month",), 0.10, TOOLKIT + ": 'PER_GIB = 0.10'"),
    ("rds", ("aurora_io_per_million",), 0.20, TOOLKIT + ": '$0.20 per million requests'"),
    ("rds", ("instance_hour", "db.t3.medium"), 0.082, TOOLKIT),
    ("rds", ("instance_hour", "db.t4g.medium"), 0.073, TOOLKIT),
    ("rds", ("instance_hour", "db.r5.large"), 0.290, TOOLKIT),
    ("rds", ("instance_hour", "db.r6g.large"), 0.260, TOOLKIT),
    ("ec2", ("public_ipv4_hour",), 0.005, TOOLKIT + ": 'public IPv4 addresses cost $0.005/hr'"),
    ("ec2", ("ebs_gp3_gb_month",), 0.08, TOOLKIT + ": '$0.08 vs $0.10 in us-east-1'"),
    ("ec2", ("ebs_gp2_gb_month",), 0.10, TOOLKIT + ": '$0.08 vs $0.10 in us-east-1'"),
    ("ec2", ("instance_hour", "t3.micro"), 0.0104, "'$0.0104 per On Demand Linux t3.micro'"),
    ("cloudwatch", ("logs_ingest_gb",), 0.50, TOOLKIT + ": '$0.50/GB ingested'"),
    ("cloudwatch", ("logs_storage_gb_month",), 0.03, TOOLKIT + ": '$0.03/GB stored per month'"),
    ("cloudwatch", ("metric_month",), 0.30, TOOLKIT + ": '~$0.30/metric/month in us-east-1'"),
    ("s3", ("get_per_1000",), 0.0004, TOOLKIT + ": '$0.0004 per 1,000 requests'"),
    ("ses", ("per_1000_emails",), 0.10, SES + ": a la carte $0.0001 per recipient"),
    ("ses", ("attachment_gb",), 0.12, SES + ": $0.12 per GB of attachments"),
]


@pytest.mark.parametrize(("service", "path", "stated", "where"), PAGE_QUOTES)
def test_checked_prices_equal_the_text_they_were_read_in(
    prices: PriceBook, service: str, path: tuple[str, ...], stated: float, where: str
) -> None:
    assert float(prices.rate(service, *path)) == pytest.approx(stated), where


def test_every_quoted_service_is_recorded_as_checked_with_its_url() -> None:
    data: dict[str, Any] = json.loads(
        (resources.files("stratus.cost.prices") / "us-east-1.json").read_text()
    )
    checked = data["checked_against_page_text"]
    for service, *_ in PAGE_QUOTES:
        record = checked[service]
        assert str(record["url"]).startswith("https://"), service
        assert record["kind"] in {"aws_page", "aws_page_quoted", "aws_authored"}, service
    assert set(data["unchecked"]) <= set(data["services"])


def test_fargate_ecs_page_rate_per_vcpu_second(prices: PriceBook) -> None:
    # https://aws.amazon.com/ecs/pricing/ Fargate example (Linux/X86, US East N. Virginia):
    # "CPU cost: $0.000011244 per vCPU second"; our per-hour price is that rate x 3,600.
    one_vcpu_hour = compute.fargate_task_hour(1024, 0, "X86_64", prices)
    assert round(one_vcpu_hour / 3600, 9) == 0.000011244


def test_alb_hour_and_lcu_from_the_elb_page(prices: PriceBook) -> None:
    # https://aws.amazon.com/elasticloadbalancing/pricing/ : $0.0225 an hour and $0.008 per LCU,
    # one LCU processing 1 GB an hour for EC2/IP targets. An idle ALB for a 730-hour month is
    # 730 x $0.0225; at 1 GB/hour it also bills one LCU each hour.
    assert round(compute.alb_cost(730, 0, prices), 3) == 16.425
    assert round(compute.alb_cost(730, 730, prices), 3) == round(730 * (0.0225 + 0.008), 3)


def test_aurora_io_optimized_worked_example_standard_storage_and_io(prices: PriceBook) -> None:
    # AWS's Aurora PostgreSQL skill, references/io-optimized-worked-examples.md (aws/agent-
    # toolkit-for-aws): 800 GiB and 1.2 billion I/O a month on Aurora Standard ->
    # "Standard storage: 800 x $0.10 = $80/mo", "Standard I/O: 1,200 x $0.20 = $240/mo".
    rds = prices.service("rds")
    assert round(800 * float(rds["aurora_storage_gb_month"]), 2) == 80.00
    assert round(1_200_000_000 / 1e6 * float(rds["aurora_io_per_million"]), 2) == 240.00
    # The same file's instance rate for db.r6g.large (0.260) priced for a month: 730 hours.
    assert round(730 * float(rds["instance_hour"]["db.r6g.large"]), 2) == 189.80


def test_ses_a_la_carte_and_the_essentials_plan_tiers(prices: PriceBook) -> None:
    # AWS Price List AmazonSES us-east-1 (2026-07-22): a la carte $0.0001 per recipient;
    # Essentials (the default plan for new accounts since 2026-07-21) $0.00016 per e-mail up to
    # 10M, $0.00014 to 100M, $0.00011 beyond.
    assert identity.email_cost(1000, prices) == pytest.approx(0.10)
    essentials = prices.rate("ses", "essentials_per_1000_emails_tiers")
    assert tiered(1000, essentials, per=1000) == pytest.approx(0.16)
    twenty_million = 10_000_000 * 0.00016 + 10_000_000 * 0.00014
    assert tiered(20_000_000, essentials, per=1000) == pytest.approx(twenty_million)
    assert tiered(200_000_000, essentials, per=1000) == pytest.approx(
        10_000_000 * 0.00016 + 90_000_000 * 0.00014 + 100_000_000 * 0.00011
    )
