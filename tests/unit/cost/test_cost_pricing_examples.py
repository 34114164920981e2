"""The price arithmetic reproduces the worked examples of AWS's pricing pages (each test cites
its page); where a page used an older or rounded rate, the test prices with that rate."""

from __future__ import annotations

import pytest
from cost_helpers import with_rates

from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services import apigateway, cloudfront, dynamodb, identity, lambda_, s3, transfer


def test_lambda_example_1_512mb_3m_calls_1s_with_free_tier(prices: PriceBook) -> None:
    # https://aws.amazon.com/lambda/pricing/ Example 1: 512 MB, 3 M invocations of 1 s,
    # $0.00001667 per GB-s -> compute $18.34 + requests $0.40 = $18.74 a month.
    book = with_rates(prices, "lambda", gb_second={"x86_64": 0.00001667})
    gbs = lambda_.gb_seconds(3_000_000, 1000, 512)
    assert gbs == 1_500_000
    compute = lambda_.duration_cost(gbs, "x86_64", book, free=400_000)
    requests = lambda_.request_cost(3_000_000, book, free=1_000_000)
    assert round(compute, 2) == 18.34
    assert round(requests, 2) == 0.40
    assert round(compute + requests, 2) == 18.74


def test_lambda_example_2_128mb_30m_calls_200ms_with_free_tier(prices: PriceBook) -> None:
    # Same page, Example 2: 128 MB, 30 M invocations of 200 ms -> compute $5.83 + requests
    # $5.80 = $11.63 a month.
    book = with_rates(prices, "lambda", gb_second={"x86_64": 0.00001667})
    gbs = lambda_.gb_seconds(30_000_000, 200, 128)
    compute = lambda_.duration_cost(gbs, "x86_64", book, free=400_000)
    requests = lambda_.request_cost(30_000_000, book, free=1_000_000)
    assert (round(compute, 2), round(requests, 2), round(compute + requests, 2)) == (
        5.83,
        5.80,
        11.63,
    )


def test_lambda_arm64_duration_is_a_fifth_cheaper(prices: PriceBook) -> None:
    # https://aws.amazon.com/lambda/pricing/ : arm64 $0.0000133334 vs x86 $0.0000166667 per GB-s.
    x86 = lambda_.duration_cost(1_000_000, "x86_64", prices)
    arm = lambda_.duration_cost(1_000_000, "arm64", prices)
    assert round(x86, 2) == 16.67 and round(arm, 2) == 13.33


def test_http_api_432m_requests_cross_the_300m_tier(prices: PriceBook) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ HTTP API example: 300 M x $1.00 + 132 M x
    # $0.90 = $300 + $118.80 = $418.80.
    assert round(apigateway.request_cost(432_000_000, "http", prices), 2) == 418.80


def test_rest_api_billion_requests_through_the_published_tiers(prices: PriceBook) -> None:
    # REST tiers as the API Gateway whitepaper lists them (https://docs.aws.amazon.com/whitepapers/
    # latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html):
    # 333 M x $3.50 + 667 M x $2.80 = $1,165.50 + $1,867.60.
    assert round(apigateway.request_cost(1_000_000_000, "rest", prices), 2) == 3033.10
    assert round(apigateway.request_cost(5_000_000, "rest", prices), 2) == 17.50


def test_rest_api_cache_is_billed_by_the_hour_and_rejects_unknown_sizes(prices: PriceBook) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ : 0.5 GB cache $0.020 an hour.
    assert round(apigateway.cache_cost("0.5", 730, prices), 2) == 14.60
    with pytest.raises(ValueError, match="no 3 GB cache"):
        apigateway.cache_cost("3", 730, prices)


def test_dynamodb_request_units_follow_the_item_size_rules() -> None:
    # https://aws.amazon.com/dynamodb/pricing/on-demand/ key terms: a strongly consistent read of
    # an 8 KB item is two read request units; a standard write of a 3 KB item is three WRUs.
    assert dynamodb.read_units(8 * 1024) == 2
    assert dynamodb.read_units(3500) == 1
    assert dynamodb.write_units(3 * 1024) == 3
    assert dynamodb.write_units(1) == 1


def test_dynamodb_on_demand_and_provisioned_prices(prices: PriceBook) -> None:
    # On-demand example as commonly worked from the on-demand page's us-east-1 rates:
    # 0.65 M writes x $0.625 = $0.41 and 0.55 M reads x $0.125 = $0.07.
    reads, writes = dynamodb.on_demand_cost(550_000, 650_000, prices)
    assert (round(writes, 2), round(reads, 2)) == (0.41, 0.07)
    # https://aws.amazon.com/dynamodb/pricing/provisioned/ : $0.00065 per WCU-hour and $0.00013
    # per RCU-hour; 100 of each for 720 hours -> $46.80 + $9.36.
    r_usd, w_usd = dynamodb.provisioned_cost(100, 100, 720, prices)
    assert (round(w_usd, 2), round(r_usd, 2)) == (46.80, 9.36)
    assert dynamodb.storage_cost(30, prices, free_gb=25) == pytest.approx(1.25)


def test_s3_standard_storage_tiers_and_requests(prices: PriceBook) -> None:
    # https://aws.amazon.com/s3/pricing/ : $0.023 per GB for the first 50 TB, $0.022 for the next
    # 450 TB; PUT $0.005 and GET $0.0004 per 1,000 requests.
    assert round(s3.storage_cost(100, prices), 2) == 2.30
    assert round(s3.storage_cost(60 * 1024, prices), 2) == round(51200 * 0.023 + 10240 * 0.022, 2)
    assert round(s3.request_cost(1_000_000, 10_000_000, prices), 2) == 5.00 + 4.00


def test_cloudfront_tiers_count_per_geography_and_invalidations_beyond_1000(
    prices: PriceBook,
) -> None:
    # https://aws.amazon.com/cloudfront/faqs/ : "Usage tiers for data transfer are measured
    # separately for each geographic region"; https://docs.aws.amazon.com/whitepapers/latest/
    # how-aws-pricing-works/cloudfront.html : first 1,000 invalidation paths free, then $0.005.
    us_only = cloudfront.data_out_cost(20_480, {"united_states": 1.0}, prices)
    assert round(us_only, 2) == round(10_240 * 0.085 + 10_240 * 0.080, 2)
    split = cloudfront.data_out_cost(20_480, {"united_states": 0.5, "europe": 0.5}, prices)
    assert round(split, 2) == round(20_480 * 0.085, 2)  # each half stays in its first tier
    assert cloudfront.invalidation_cost(1500, prices) == pytest.approx(2.50)
    assert cloudfront.invalidation_cost(800, prices) == 0


def test_cloudfront_price_class_bills_outside_viewers_at_an_edge_inside_it(
    prices: PriceBook,
) -> None:
    mix = {"united_states": 0.5, "south_america": 0.5}
    assert cloudfront.served_mix(mix, "PriceClass_100", prices) == {"united_states": 1.0}
    assert cloudfront.served_mix(mix, "PriceClass_All", prices) == mix
    assert cloudfront.request_cost(10_000, {"united_states": 1.0}, prices) == pytest.approx(0.01)


def test_cognito_mau_tiers_by_feature_plan(prices: PriceBook) -> None:
    # https://aws.amazon.com/cognito/pricing/ : Essentials $0.015 per MAU after 10,000 free;
    # Lite $0.0055 from 10,001 to 100,000.
    assert identity.mau_cost(10_000, "ESSENTIALS", prices) == 0
    assert round(identity.mau_cost(110_000, "ESSENTIALS", prices), 2) == 1500.00
    assert round(identity.mau_cost(100_000, "LITE", prices), 2) == 495.00
    assert round(identity.email_cost(10_000, prices), 2) == 1.00  # SES $0.10 per 1,000


def test_internet_egress_tiers_and_free_100_gb(prices: PriceBook) -> None:
    # https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer : $0.09 per GB up to 10 TB.
    assert round(transfer.internet_out_cost(1024, prices), 2) == 92.16
    assert round(transfer.internet_out_cost(1024, prices, free_gb=100), 2) == 83.16


def test_tiered_prices_a_quantity_through_consecutive_tiers() -> None:
    tiers: list[list[float | None]] = [[10, 1.0], [10, 0.5], [None, 0.1]]
    assert tiered(5, tiers) == 5
    assert tiered(25, tiers) == 10 + 5 + 0.5
    assert tiered(-3, tiers) == 0
    assert tiered(2_000_000, [[None, 0.2]], per=1e6) == pytest.approx(0.4)
