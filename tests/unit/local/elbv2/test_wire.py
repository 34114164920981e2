"""What the local ALB puts on the wire: its error pages, trace ids, local DNS names and
URL rewriting, the DescribeTargetHealth answer, and elb vs elbv2 routing on the endpoint."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.router import route
from stratus.local.elbv2.names import LocalListener, local_dns_name, rewrite_urls
from stratus.local.elbv2.pages import error_page
from stratus.local.elbv2.proxy import split_host, trace_id
from stratus.local.elbv2.service import form_targets, target_health_xml
from stratus.local.elbv2.targets import HealthRow


def test_error_pages_are_albs_html_with_its_server_header() -> None:
    headers, body = error_page(503)
    assert (b"server", b"awselb/2.0") in headers
    assert (b"content-type", b"text/html") in headers
    assert body.startswith(b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title>")
    assert (b"content-length", str(len(body)).encode()) in headers
    assert b"504 Gateway Time-out" in error_page(504)[1]
    assert b"502 Bad Gateway" in error_page(502)[1]


def test_trace_id_gets_a_root_or_a_self_in_front_of_the_callers_root() -> None:
    fresh = trace_id(None, now=0x5759E988)
    assert re.fullmatch(r"Root=1-5759e988-[0-9a-f]{24}", fresh)
    chained = trace_id("Root=1-67891233-abcdef012345678912345678;Self=old", now=1)
    assert chained.startswith("Self=1-00000001-")
    assert chained.endswith(";Root=1-67891233-abcdef012345678912345678")
    assert "Self=old" not in chained


def test_split_host_drops_the_port() -> None:
    assert split_host("Shop.Example.test:4700") == "shop.example.test"
    assert split_host("[::1]:4700") == "[::1]"
    assert split_host("plain") == "plain"


def test_local_dns_name_is_stable_and_marks_internal() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/abc"
    name = local_dns_name("Web", arn, "us-east-1")
    assert name == local_dns_name("Web", arn, "us-east-1")
    assert re.fullmatch(r"web-\d{1,10}\.us-east-1\.elb\.localhost", name)
    assert local_dns_name("Web", arn, "us-east-1", internal=True).startswith("internal-web-")


def test_urls_naming_the_lb_get_the_local_port_of_their_listener() -> None:
    dns = "web-1.us-east-1.elb.localhost"
    listeners = [
        LocalListener("l1", "lb", dns, "HTTPS", 443, 4700, "S", "A"),
        LocalListener("l2", "lb", dns, "HTTP", 80, 4701, "S", "B"),
        LocalListener("l3", "lb", dns, "HTTP", 8080, 4702, "S", "C"),
    ]
    assert rewrite_urls(f"https://{dns}/x", listeners) == f"https://{dns}:4700/x"
    assert rewrite_urls(f"http://{dns}", listeners) == f"http://{dns}:4701"
    assert rewrite_urls(f"http://{dns}:8080/a", listeners) == f"http://{dns}:4702/a"
    assert rewrite_urls(f"http://{dns}:9999/a", listeners) == f"http://{dns}:9999/a"
    assert rewrite_urls("https://other.example/x", listeners) == "https://other.example/x"


def test_form_targets_reads_ids_and_ports_in_order() -> None:
    form = {
        "TargetGroupArn": "arn",
        "Targets.member.2.Id": "127.0.0.3",
        "Targets.member.1.Id": "127.0.0.2",
        "Targets.member.1.Port": "9000",
    }
    assert form_targets(form) == [("127.0.0.2", 9000), ("127.0.0.3", None)]


def test_describe_target_health_answer_parses_like_aws() -> None:
    rows = [
        HealthRow("127.0.0.2", 9000, "healthy", health_check_port="traffic-port"),
        HealthRow("127.0.0.3", 9000, "unhealthy", "Target.Timeout", "Request timed out", "9000"),
    ]
    root = ET.fromstring(target_health_xml(rows))
    ns = {"e": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"}
    members = root.findall(".//e:TargetHealthDescriptions/e:member", ns)
    assert [m.findtext("e:Target/e:Id", namespaces=ns) for m in members] == [
        "127.0.0.2",
        "127.0.0.3",
    ]
    assert members[0].find("e:TargetHealth/e:Reason", ns) is None
    assert members[1].findtext("e:TargetHealth/e:Reason", namespaces=ns) == "Target.Timeout"


def _elb_request(version: str) -> AwsRequest:
    scope = "Credential=test/20260101/us-east-1/elasticloadbalancing/aws4_request"
    return AwsRequest(
        "POST",
        "/",
        "/",
        "",
        {
            "content-type": "application/x-www-form-urlencoded",
            "authorization": f"AWS4-HMAC-SHA256 {scope}",
        },
        f"Action=DescribeLoadBalancers&Version={version}".encode(),
    )


def test_the_endpoint_tells_elbv2_from_classic_elb_by_version() -> None:
    assert route(_elb_request("2015-12-01")).service == "elbv2"
    assert route(_elb_request("2012-06-01")).service == "elb"
