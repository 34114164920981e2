"""moto's backends list the regions botocore lists, without loading whole service models
into a loader of their own; every loader made after install reads lean models."""

from __future__ import annotations

import boto3.session
import botocore.loaders
import pytest
from moto.core.base_backend import AccountSpecificBackend, BaseBackend

from stratus.local.core.botocore_data import LeanJSONFileLoader, shared_loader
from stratus.local.motofast import botocore_models


def _botocore_regions(service: str) -> list[str]:
    session = boto3.session.Session()
    return [
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    ]


@pytest.mark.parametrize(
    "service", ["ec2", "s3", "dynamodb", "cognito-idp", "elbv2", "elb", "iam", "lambda", "sesv2"]
)
def test_regions_are_botocore_s_own(service: str) -> None:
    assert botocore_models.regions(service) == _botocore_regions(service)
    # IAM's one endpoint is global, not a region (botocore lists none for it)
    assert ("us-east-1" in (botocore_models.regions(service) or [])) == (service != "iam")


def test_a_name_botocore_does_not_know_goes_to_moto_s_method() -> None:
    botocore_models.install()
    assert botocore_models.regions("no-such-service") is None
    backend: AccountSpecificBackend[BaseBackend] = AccountSpecificBackend(
        service_name="no-such-service",
        account_id="123456789012",
        backend=BaseBackend,
        use_boto3_regions=True,
        additional_regions=["local-1"],
    )
    assert backend.regions == ["local-1"]


def test_listing_regions_loads_no_service_model() -> None:
    botocore_models.install()
    cached = shared_loader()._cache  # type: ignore[attr-defined]
    for key in [k for k in cached if k[0] == "load_service_model" and k[1] == "neptune"]:
        del cached[key]  # an earlier test may have read neptune's model for its own reasons
    backend: AccountSpecificBackend[BaseBackend] = AccountSpecificBackend(
        service_name="neptune",
        account_id="123456789012",
        backend=BaseBackend,
        use_boto3_regions=True,
        additional_regions=None,
    )
    assert backend.regions == _botocore_regions("neptune")
    assert not any(key[0] == "load_service_model" and key[1] == "neptune" for key in cached)
    session = AccountSpecificBackend.get_session()
    assert session._session.get_component("data_loader") is shared_loader()


def test_loaders_made_after_install_read_lean_models() -> None:
    botocore_models.install()
    assert isinstance(botocore.loaders.Loader().file_loader, LeanJSONFileLoader)
    from moto.core.utils import _load_service_model

    model = _load_service_model("sqs", "service-2")
    assert type(model["shapes"]) is dict
    assert "documentation" not in model["operations"]["SendMessage"]
