"""Post-deployment smoke tests: run by the pipeline against a deployed stage.

The stage's stack outputs arrive as `STRATUS_OUTPUT_<Key>` (CDK Pipelines'
`env_from_cfn_outputs` on AWS; `stratus pipeline run` from the local stage's outputs.json),
`STRATUS_CA_BUNDLE` names the local cloud's CA (unset on AWS: public certificates) and
`STRATUS_PIPELINE_STAGE` the stage. Without that last variable there is no deployed stage to
test, so plain `pytest` does not collect these; `tests/integration/test_pipeline_run.py`
runs them through `stratus pipeline run` against a local stage.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from stratus.infra.pipeline.model import STAGE_ENV
from tests.smoke.stage import client, output

if not os.environ.get(STAGE_ENV):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="module")
def todo_api() -> Iterator[httpx.Client]:
    with client(output("TodoApiUrl")) as api:
        yield api


@pytest.fixture(scope="module")
def blog_api() -> Iterator[httpx.Client]:
    with client(output("BlogApiUrl")) as api:
        yield api


@pytest.fixture(scope="module")
def catalog_api() -> Iterator[httpx.Client]:
    with client(output("CatalogApiUrl")) as api:
        yield api
