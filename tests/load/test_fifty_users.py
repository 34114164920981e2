"""Fifty concurrent users on the to-do API through the HTTPS gateway get no 5xx.

Each user signs up and signs in (its own ID token), then all fifty run the 9 reads : 1 write
mix at once for a bounded time (DURATION_S, at most PER_USER requests each). Throughput,
p50 and p99 go to the closing summary (section "load") and to the test's properties.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import sign_up_and_login
from tests.load.conftest import FIGURES
from tests.load.users import run_users

USERS = 50
DURATION_S = 10.0
PER_USER = 60

pytestmark = [pytest.mark.integration, pytest.mark.load]


@pytest.mark.timeout(120)
def test_fifty_concurrent_users_get_no_5xx(
    local_cloud: LocalCloudHandle, record_property: Callable[[str, object], None]
) -> None:
    users = [sign_up_and_login(local_cloud, unique_email("load")) for _ in range(USERS)]
    result = run_users(
        str(local_cloud.stack_output("TodoApiUrl")),
        local_cloud.ca_pem,
        [u.auth for u in users],
        duration_s=DURATION_S,
        per_user=PER_USER,
    )
    FIGURES.append(f"fifty users, 9 reads : 1 write: {result.describe()}")
    for key, value in (
        ("requests", result.requests),
        ("req_per_s", round(result.throughput, 1)),
        ("p50_ms", round(result.p50, 1)),
        ("p99_ms", round(result.p99, 1)),
        ("server_errors", result.server_errors),
    ):
        record_property(key, value)

    samples = [e for log in result.logs for e in log.server_errors][:3]
    assert result.server_errors == 0, (
        f"{result.server_errors} of {result.requests + USERS} requests got a 5xx or no answer "
        f"({result.describe()}); first: {samples or result.transport_errors[:3]}"
    )
    assert result.errors == 0, f"answers other than 2xx: {result.describe()}"
    assert result.writes > 0 and result.reads > 0
