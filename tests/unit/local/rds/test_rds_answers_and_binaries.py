"""moto's RDS answers carry the local endpoints of served DBs; the server programs are found
(or `up` says how to install them); moto's RDS loads without moto's EC2."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stratus.local.rds import answers
from stratus.local.rds.binaries import ENV_BIN, PostgresNotFoundError, find_binaries
from stratus.local.rds.pool import Endpoint

NS = "http://rds.amazonaws.com/doc/2014-10-31/"
CLUSTER_ARN = "arn:aws:rds:us-east-1:000000000000:cluster:inv"
INSTANCE_ARN = "arn:aws:rds:us-east-1:000000000000:db:inv-writer"
OTHER_ARN = "arn:aws:rds:us-east-1:000000000000:cluster:api-made"
BODY = f"""<?xml version="1.0" encoding="utf-8"?>
<DescribeDBClustersResponse xmlns="{NS}"><DescribeDBClustersResult><DBClusters>
<DBCluster><DBClusterIdentifier>inv</DBClusterIdentifier>
<Endpoint>inv.cluster-abc.us-east-1.rds.amazonaws.com</Endpoint>
<ReaderEndpoint>inv.cluster-ro-abc.us-east-1.rds.amazonaws.com</ReaderEndpoint>
<Port>5432</Port><DBClusterArn>{CLUSTER_ARN}</DBClusterArn></DBCluster>
<DBCluster><DBClusterIdentifier>api-made</DBClusterIdentifier>
<Endpoint>api-made.cluster-x.us-east-1.rds.amazonaws.com</Endpoint><Port>5432</Port>
<DBClusterArn>{OTHER_ARN}</DBClusterArn></DBCluster>
</DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>"""
INSTANCES = f"""<?xml version="1.0" encoding="utf-8"?>
<DescribeDBInstancesResponse xmlns="{NS}"><DescribeDBInstancesResult><DBInstances>
<DBInstance><DBInstanceIdentifier>inv-writer</DBInstanceIdentifier>
<Endpoint><Address>inv-writer.aaaaaaaaaa.us-east-1.rds.amazonaws.com</Address><Port>5432</Port>
</Endpoint><DbInstancePort>5432</DbInstancePort><DBInstanceArn>{INSTANCE_ARN}</DBInstanceArn>
</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>"""


def test_a_served_cluster_shows_the_local_endpoint_and_port_others_keep_motos() -> None:
    out = answers.rewrite(BODY.encode(), {CLUSTER_ARN: Endpoint("127.0.0.1", 45432)})
    root = ET.fromstring(out)
    clusters = root.findall(f".//{{{NS}}}DBCluster")
    served, other = clusters
    assert served.findtext(f"{{{NS}}}Endpoint") == "127.0.0.1"
    assert served.findtext(f"{{{NS}}}ReaderEndpoint") == "127.0.0.1"
    assert served.findtext(f"{{{NS}}}Port") == "45432"
    assert other.findtext(f"{{{NS}}}Endpoint") == "api-made.cluster-x.us-east-1.rds.amazonaws.com"
    assert root.tag == f"{{{NS}}}DescribeDBClustersResponse"  # namespace kept for botocore


def test_a_served_instance_shows_address_and_port() -> None:
    out = answers.rewrite(INSTANCES.encode(), {INSTANCE_ARN: Endpoint("127.0.0.1", 45432)})
    instance = ET.fromstring(out).find(f".//{{{NS}}}DBInstance")
    assert instance is not None
    assert instance.findtext(f"{{{NS}}}Endpoint/{{{NS}}}Address") == "127.0.0.1"
    assert instance.findtext(f"{{{NS}}}Endpoint/{{{NS}}}Port") == "45432"
    assert instance.findtext(f"{{{NS}}}DbInstancePort") == "45432"


def test_an_answer_naming_no_served_db_is_returned_as_it_was() -> None:
    assert answers.rewrite(BODY.encode(), {}) == BODY.encode()
    unrelated = {"arn:aws:rds:us-east-1:000000000000:cluster:z": Endpoint("127.0.0.1", 1)}
    assert answers.rewrite(BODY.encode(), unrelated) == BODY.encode()
    assert answers.rewrite(b"<Endpoint>not xml", unrelated) == b"<Endpoint>not xml"


def test_the_debian_server_is_found_without_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_BIN, raising=False)
    found = find_binaries({"PATH": "/nonexistent"})
    assert found.postgres.name == "postgres" and found.initdb.exists()
    assert found.version().split(".")[0].isdigit()


def test_a_missing_server_is_a_clear_error_saying_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(PostgresNotFoundError, match="apt-get install postgresql"):
        find_binaries({ENV_BIN: str(tmp_path), "PATH": "/nonexistent"})


def test_as_root_each_program_runs_in_a_user_namespace() -> None:
    from stratus.local.rds.binaries import PostgresBinaries

    root = PostgresBinaries(Path("/pg/bin"), as_root=True)
    argv = root.command(Path("/pg/bin/postgres"), "-D", "d")
    assert argv[0].endswith("unshare") and "--user" in argv
    assert argv[-3:] == ["/pg/bin/postgres", "-D", "d"]
    plain = PostgresBinaries(Path("/pg/bin")).command(Path("/pg/bin/initdb"))
    assert plain == ["/pg/bin/initdb"]


def test_the_rds_service_and_backend_do_not_import_ec2() -> None:
    code = """
        import sys
        import stratus.local.rds.service
        import moto.rds.responses, moto.rds.urls
        from moto.backends import get_backend
        rds = get_backend("rds")["000000000000"]["us-east-1"]
        rds.create_db_cluster({"db_cluster_identifier": "c", "engine": "aurora-postgresql",
                               "master_username": "u", "master_user_password": "password1"})
        print(sorted(m for m in sys.modules if m.startswith("moto.ec2")))
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
