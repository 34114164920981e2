"""Traffic flows along the template's own links: API -> function -> tables, uploads ->
notified functions, distributions -> origins; options change what is billed."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.cost.estimate import estimate
from stratus.cost.model import Estimate
from stratus.cost.pricebook import PriceBook
from stratus.cost.profile import ApiTraffic, CostOptions, TrafficProfile
from stratus.cost.templates import StackTemplate

DAYS = 730 / 24


def _fn(memory: int = 512) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {"MemorySize": memory, "Architectures": ["x86_64"]},
    }


def _method(verb: str, resource: str, fn: str) -> dict[str, Any]:
    uri = {
        "Fn::Join": [
            "",
            [
                "arn:aws:apigateway:lambda:path/functions/",
                {"Fn::GetAtt": [fn, "Arn"]},
                "/invocations",
            ],
        ]
    }
    props = {
        "RestApiId": {"Ref": "Api"},
        "HttpMethod": verb,
        "ResourceId": {"Ref": resource},
        "Integration": {"Type": "AWS_PROXY", "Uri": uri},
    }
    return {"Type": "AWS::ApiGateway::Method", "Properties": props}


def api_stack(*, cache: bool = False, dax: bool = False) -> StackTemplate:
    resources: dict[str, Any] = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "notes-api"}},
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
                "RestApiId": {"Ref": "Api"},
            },
        },
        "ListItems": _method("GET", "Items", "Reader"),
        "AddItem": _method("POST", "Items", "Writer"),
        "Reader": _fn(),
        "Writer": _fn(1024),
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PAY_PER_REQUEST"}},
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "CacheClusterEnabled": cache,
                "CacheClusterSize": "0.5",
            },
        },
    }
    if dax:
        resources["Cache"] = {
            "Type": "AWS::DAX::Cluster",
            "Properties": {"NodeType": "dax.t3.small", "ReplicationFactor": 3},
        }
    return StackTemplate(name="Notes", template={"Resources": resources})


def site_stack() -> StackTemplate:
    dist = {
        "DistributionConfig": {
            "PriceClass": "PriceClass_100",
            "DefaultCacheBehavior": {"TargetOriginId": "site"},
            "Origins": [
                {"Id": "site", "DomainName": {"Fn::GetAtt": ["Site", "RegionalDomainName"]}}
            ],
        }
    }
    resources = {
        "Site": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": dist},
    }
    return StackTemplate(name="Site", template={"Resources": resources})


def lines_of(est: Estimate, service: str, resource: str) -> dict[str, float]:
    return {
        line.item: line.quantity
        for line in est.lines
        if line.service == service and line.resource == resource
    }


def test_api_requests_reach_the_route_functions_and_the_stack_table(prices: PriceBook) -> None:
    profile = TrafficProfile(
        apis={
            "notes-api": ApiTraffic(
                requests_per_day=1000, routes={"GET /items": 3, "POST /items": 1}
            )
        }
    )
    est = estimate([api_stack()], profile, prices)
    month = 1000 * DAYS
    assert lines_of(est, "apigateway", "Api")["REST API requests"] == pytest.approx(month)
    assert lines_of(est, "lambda", "Reader")["requests"] == pytest.approx(month * 0.75)
    assert lines_of(est, "lambda", "Writer")["requests"] == pytest.approx(month * 0.25)
    table = lines_of(est, "dynamodb", "Table")
    assert table["read request units (on-demand)"] == pytest.approx(month * 0.75)  # GET routes read
    assert table["write request units (on-demand)"] == pytest.approx(month * 0.25)
    assert est.services["apigateway"] == pytest.approx(month / 1e6 * 3.5, rel=1e-3)


def test_api_cache_hits_never_reach_lambda_and_the_cache_is_billed_hourly(
    prices: PriceBook,
) -> None:
    profile = TrafficProfile(apis={"*": ApiTraffic(requests_per_day=1000, cache_hit_ratio=0.5)})
    cached = estimate([api_stack(cache=True)], profile, prices)
    assert lines_of(cached, "apigateway", "Api")["cache 0.5 GB"] == 730
    calls = sum(lines_of(cached, "lambda", fn)["requests"] for fn in ("Reader", "Writer"))
    assert calls == pytest.approx(1000 * DAYS * 0.5)
    off = estimate([api_stack(cache=True)], profile, prices, CostOptions(api_cache_size="off"))
    assert "cache 0.5 GB" not in lines_of(off, "apigateway", "Api")
    bigger = estimate([api_stack()], profile, prices, CostOptions(api_cache_size="6.1"))
    assert lines_of(bigger, "apigateway", "Api")["cache 6.1 GB"] == 730


def test_dax_answers_its_hit_share_of_reads_and_can_be_priced_off(prices: PriceBook) -> None:
    profile = TrafficProfile(
        apis={"*": ApiTraffic(requests_per_day=1000)}, read_write_ratio=1, dax_hit_ratio=0.8
    )
    with_dax = estimate([api_stack(dax=True)], profile, prices)
    without = estimate([api_stack(dax=True)], profile, prices, CostOptions(dax=False))
    reads_with = lines_of(with_dax, "dynamodb", "Table")["read request units (on-demand)"]
    reads_without = lines_of(without, "dynamodb", "Table")["read request units (on-demand)"]
    assert reads_with == pytest.approx(reads_without * 0.2)
    assert with_dax.services["dax"] == pytest.approx(3 * 730 * 0.04)
    assert "dax" not in without.services


def test_provisioned_mode_bills_capacity_hours_instead_of_requests(prices: PriceBook) -> None:
    profile = TrafficProfile(apis={"*": ApiTraffic(requests_per_day=1000)})
    est = estimate([api_stack()], profile, prices, CostOptions(dynamodb_mode="provisioned"))
    table = lines_of(est, "dynamodb", "Table")
    assert table["read capacity (provisioned)"] == 730  # 1 RCU minimum, all month
    assert "read request units (on-demand)" not in table


def test_lambda_memory_and_architecture_overrides(prices: PriceBook) -> None:
    profile = TrafficProfile(apis={"*": ApiTraffic(requests_per_day=100_000)})
    base = estimate([api_stack()], profile, prices)
    arm = estimate([api_stack()], profile, prices, CostOptions(lambda_architecture="arm64"))
    small = estimate([api_stack()], profile, prices, CostOptions(lambda_memory_mb=256))
    assert arm.services["lambda"] < base.services["lambda"]
    assert small.services["lambda"] < arm.services["lambda"]


def test_without_cloudfront_the_origin_bucket_serves_the_internet(prices: PriceBook) -> None:
    profile = TrafficProfile(
        page_views_per_day=10_000,
        requests_per_page_view=5,
        bytes_per_page_view=1_000_000,
        cdn_cache_hit_ratio=0.9,
    )
    edge = estimate([site_stack()], profile, prices)
    direct = estimate([site_stack()], profile, prices, CostOptions(cloudfront=False))
    assert "cloudfront" in edge.services and "cloudfront" not in direct.services
    assert lines_of(edge, "s3", "Site")["GET requests"] == pytest.approx(50_000 * DAYS * 0.1)
    assert lines_of(direct, "s3", "Site")["GET requests"] == pytest.approx(50_000 * DAYS)
    assert lines_of(direct, "data_transfer", "Site")[
        "data transfer out to the internet"
    ] == pytest.approx(10 * DAYS)


def test_growth_prices_month_by_month(prices: PriceBook) -> None:
    profile = TrafficProfile(
        apis={"*": ApiTraffic(requests_per_day=1000)}, growth_per_month=0.5, months=3
    )
    est = estimate([api_stack()], profile, prices)
    assert [m.month for m in est.months] == [1, 2, 3]
    assert est.monthly_usd == est.months[0].usd
    assert est.months[2].services["apigateway"] == pytest.approx(
        est.months[0].services["apigateway"] * 2.25
    )
    assert any("grow 50% a month" in note for note in est.assumptions)


def test_free_tier_is_applied_only_when_asked(prices: PriceBook) -> None:
    profile = TrafficProfile(apis={"*": ApiTraffic(requests_per_day=1000)})
    paid = estimate([api_stack()], profile, prices)
    free = estimate([api_stack()], profile, prices, CostOptions(free_tier=True))
    assert paid.services["lambda"] > 0 and free.services.get("lambda", 0) == 0
    assert any("not applied" in note for note in paid.assumptions)


def test_measured_counts_per_resource_replace_the_derived_flows(prices: PriceBook) -> None:
    profile = TrafficProfile.model_validate(
        {
            "apis": {"*": {"requests_per_day": 1000}},
            "functions": {"Reader": {"invocations_per_day": 10, "duration_ms": 50}},
            "tables": {"Table": {"reads_per_day": 7, "writes_per_day": 3, "stored_gb": 2}},
        }
    )
    est = estimate([api_stack()], profile, prices)
    assert lines_of(est, "lambda", "Reader")["requests"] == pytest.approx(10 * DAYS)
    assert lines_of(est, "lambda", "Writer")["requests"] == pytest.approx(500 * DAYS)  # derived
    table = lines_of(est, "dynamodb", "Table")
    assert table["read request units (on-demand)"] == pytest.approx(7 * DAYS)
    assert table["write request units (on-demand)"] == pytest.approx(3 * DAYS)
    assert table["storage"] == 2
    assert any("measured traffic" in note for note in est.assumptions)


def test_alarmed_custom_metrics_and_invalidations_are_billed(prices: PriceBook) -> None:
    site = site_stack()
    alarm = {
        "Namespace": "Shop",
        "MetricName": "OrdersPlaced",
        "Dimensions": [{"Name": "service", "Value": "orders"}],
    }
    aws_alarm = {"Namespace": "AWS/Lambda", "MetricName": "Errors"}
    site.resources["Custom"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": alarm}
    site.resources["Same"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": dict(alarm)}
    site.resources["Builtin"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": aws_alarm}
    profile = TrafficProfile(page_views_per_day=10, invalidation_paths_per_month=1200)
    est = estimate([site], profile, prices)
    stage = {line.item: line for line in est.lines if line.stack == "(stage)"}
    assert stage["custom metrics the alarms watch"].quantity == 1  # two alarms, one metric
    assert stage["custom metrics the alarms watch"].usd == pytest.approx(0.30)
    assert stage["standard alarms"].usd == pytest.approx(0.30)
    assert lines_of(est, "cloudfront", "Cdn")["invalidation paths"] == 1200
    invalidations = [line for line in est.lines if line.item == "invalidation paths"]
    assert invalidations[0].usd == pytest.approx(1.0)


def test_an_api_behind_a_distribution_is_billed_through_it(prices: PriceBook) -> None:
    stack = api_stack()
    dist = {
        "DistributionConfig": {
            "DefaultCacheBehavior": {"TargetOriginId": "api"},
            "Origins": [
                {"Id": "api", "DomainName": {"Fn::Join": ["", [{"Ref": "Api"}, ".execute-api"]]}}
            ],
        }
    }
    stack.resources["Cdn"] = {"Type": "AWS::CloudFront::Distribution", "Properties": dist}
    profile = TrafficProfile(
        apis={"*": ApiTraffic(requests_per_day=1000, response_bytes=1_000_000)}
    )
    fronted = estimate([stack], profile, prices)
    assert lines_of(fronted, "cloudfront", "Cdn")["HTTPS requests"] == pytest.approx(1000 * DAYS)
    assert lines_of(fronted, "cloudfront", "Cdn")["data out (PriceClass_All)"] == pytest.approx(
        DAYS
    )
    assert "data_transfer" not in fronted.services
    direct = estimate([stack], profile, prices, CostOptions(cloudfront=False))
    assert lines_of(direct, "data_transfer", "Api")[
        "data transfer out to the internet"
    ] == pytest.approx(DAYS)


def test_dax_asked_for_without_a_cluster_says_so(prices: PriceBook) -> None:
    est = estimate([api_stack()], TrafficProfile(), prices, CostOptions(dax=True))
    assert "dax" not in est.services
    assert any("declare no cluster" in note for note in est.assumptions)


def _renamed(stack: StackTemplate, name: str) -> StackTemplate:
    return StackTemplate(name=name, template=stack.template)


def test_stack_slash_logical_id_patterns_tell_two_stacks_same_ids_apart(
    prices: PriceBook,
) -> None:
    profile = TrafficProfile.model_validate(
        {
            "functions": {
                "Blue/Reader": {"invocations_per_day": 10},
                "Green/Reader": {"invocations_per_day": 20},
            },
            "tables": {"Green/Table": {"reads_per_day": 5}},
        }
    )
    stacks = [_renamed(api_stack(), "Blue"), _renamed(api_stack(), "Green")]
    est = estimate(stacks, profile, prices)
    reader = {
        line.stack: line.quantity
        for line in est.lines
        if (line.service, line.resource, line.item) == ("lambda", "Reader", "requests")
    }
    assert reader == {"Blue": pytest.approx(10 * DAYS), "Green": pytest.approx(20 * DAYS)}
    reads = {
        line.stack: line.quantity
        for line in est.lines
        if line.resource == "Table" and line.item.startswith("read request units")
    }
    assert reads.get("Green") == pytest.approx(5 * DAYS) and not reads.get("Blue")


def _event_stack() -> StackTemplate:
    resources: dict[str, Any] = {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Clicks": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Worker": _fn(),
        "WorkerSource": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": {"Ref": "Worker"},
                "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]},
            },
        },
    }
    return StackTemplate(name="Events", template={"Resources": resources})


def test_a_measured_event_driven_function_replaces_the_flow(prices: PriceBook) -> None:
    derived = estimate([_event_stack()], TrafficProfile(messages_per_day=1000), prices)
    assert lines_of(derived, "lambda", "Worker")["requests"] == pytest.approx(1000 * DAYS)
    profile = TrafficProfile.model_validate(
        {
            "messages_per_day": 1000,
            "functions": {"Events/Worker": {"invocations_per_day": 42, "duration_ms": 7}},
        }
    )
    measured = estimate([_event_stack()], profile, prices)
    assert lines_of(measured, "lambda", "Worker")["requests"] == pytest.approx(42 * DAYS)


def test_kinesis_prices_measured_records_by_their_measured_size(prices: PriceBook) -> None:
    profile = TrafficProfile.model_validate(
        {
            "channels": {"Events/Clicks": 1000},
            "channel_bytes": {"Events/Clicks": 30 * 1024},  # two 25 KB PUT payload units each
        }
    )
    est = estimate([_event_stack()], profile, prices)
    (line,) = [x for x in est.lines if x.service == "kinesis"]
    units = 1000 * DAYS * 2
    shard_hours = 730.0
    expected = shard_hours * float(prices.rate("kinesis", "shard_hour")) + units / 1e6 * float(
        prices.rate("kinesis", "put_payload_units_per_million")
    )
    assert line.usd == pytest.approx(expected, rel=1e-6)


def _http_stack() -> StackTemplate:
    resources: dict[str, Any] = {
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
    }
    return StackTemplate(name="Web", template={"Resources": resources})


@pytest.mark.parametrize(
    ("request_bytes", "response_bytes", "per_request"),
    [(0, 2048, 1), (0, 512 * 1024, 1), (0, 512 * 1024 + 1, 2), (1_300_000, 10, 3)],
)
def test_http_api_requests_are_metered_per_512_kb(
    prices: PriceBook, request_bytes: int, response_bytes: int, per_request: int
) -> None:
    traffic = ApiTraffic(
        requests_per_day=1000, request_bytes=request_bytes, response_bytes=response_bytes
    )
    est = estimate([_http_stack()], TrafficProfile(apis={"Web/Http": traffic}), prices)
    (line,) = [x for x in est.lines if x.service == "apigateway" and x.item.startswith("HTTP")]
    assert line.quantity == pytest.approx(1000 * DAYS * per_request)
    assert ("512 KB" in line.item) == (per_request > 1)


def test_http_api_routes_by_route_key_including_default(prices: PriceBook) -> None:
    def route(key: str, fn: str) -> dict[str, Any]:
        integ = f"{fn}Integration"
        resources[integ] = {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {"ApiId": {"Ref": "Http"}, "IntegrationUri": {"Fn::GetAtt": [fn, "Arn"]}},
        }
        return {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Http"},
                "RouteKey": key,
                "Target": {"Fn::Join": ["", ["integrations/", {"Ref": integ}]]},
            },
        }

    resources: dict[str, Any] = {
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Items": _fn(),
        "Fallback": _fn(),
    }
    resources["ItemsRoute"] = route("GET /items", "Items")
    resources["DefaultRoute"] = route("$default", "Fallback")
    stack = StackTemplate(name="Web", template={"Resources": resources})
    traffic = ApiTraffic(requests_per_day=100, routes={"GET /items": 3, "$default": 1})
    est = estimate([stack], TrafficProfile(apis={"Web/Http": traffic}), prices)
    assert lines_of(est, "lambda", "Items")["requests"] == pytest.approx(75 * DAYS)
    assert lines_of(est, "lambda", "Fallback")["requests"] == pytest.approx(25 * DAYS)
