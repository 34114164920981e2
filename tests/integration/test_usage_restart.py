"""The usage window survives a restart of the local cloud (saved with its state) and
`--fresh` starts a new one. The CDK app is `tests/fixtures/apps/photo_pipeline`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client, copy_fixture_app

pytestmark = pytest.mark.integration


def _buckets(cloud: LocalCloudHandle) -> dict[str, Any]:
    answer = httpx.get(f"{cloud.aws_endpoint}/_stratus/usage", timeout=10)
    assert answer.status_code == 200, answer.text
    buckets: dict[str, Any] = answer.json()["buckets"]
    return buckets


def test_usage_survives_a_restart_and_fresh_starts_a_new_window(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app_dir = copy_fixture_app(tmp_path_factory, "photo_pipeline", "usage-restart")
    proc, cloud = start_local_cloud(None, app_dir=app_dir, fresh=True)
    try:
        bucket = str(cloud.stack_output("PhotoBucketName"))
        s3 = aws_client(cloud, "s3")
        for _ in range(3):
            s3.list_objects_v2(Bucket=bucket)
        assert _buckets(cloud)[bucket]["put_requests"] == 3  # LIST is in the PUT tier
    finally:
        assert stop_local_cloud(proc) == 0
    proc, cloud = start_local_cloud(None, app_dir=app_dir, fresh=False)
    try:
        kept = _buckets(cloud)[bucket]
        assert kept["put_requests"] == 3
        assert kept.get("logical_id")  # named by its template resource again
    finally:
        assert stop_local_cloud(proc) == 0
    proc, cloud = start_local_cloud(None, app_dir=app_dir, fresh=True)
    try:
        assert bucket not in _buckets(cloud)
    finally:
        stop_local_cloud(proc)
