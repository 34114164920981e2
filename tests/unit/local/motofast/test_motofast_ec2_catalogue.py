"""moto's EC2 offerings read per region when first asked: the same lists moto builds eagerly,
and the module's import no longer parses every region's file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from moto.utilities.utils import load_resource

from stratus.local.motofast import ec2_catalogue


def test_offerings_are_moto_s_own_per_region_and_location_type() -> None:
    ec2_catalogue.install()
    from moto.ec2.models import instance_types

    offerings = instance_types.INSTANCE_TYPE_OFFERINGS
    assert set(offerings) == {"availability-zone", "availability-zone-id", "region"}
    for location_type in offerings:
        regions = offerings[location_type]
        assert isinstance(regions, ec2_catalogue.LazyRegions)
        assert "us-east-1" in regions and "eu-west-1" in regions and "nowhere-1" not in regions
        want = load_resource(
            f"ec2/resources/instance_type_offerings/{location_type}/eu-west-1.json"
        )
        for offering in want:
            offering["LocationType"] = location_type
        assert regions["eu-west-1"] == want
        assert regions.get("nowhere-1", []) == []


def test_describe_instance_type_offerings_answers_from_the_lazy_catalogue() -> None:
    ec2_catalogue.install()
    from moto.ec2.models import ec2_backends

    backend = ec2_backends["123456789012"]["us-east-1"]
    zones = backend.describe_instance_type_offerings(location_type="availability-zone")
    assert zones and {o["LocationType"] for o in zones} == {"availability-zone"}
    assert {o["Location"] for o in zones} >= {"us-east-1a", "us-east-1b"}


def test_importing_moto_s_ec2_no_longer_parses_every_region() -> None:
    script = textwrap.dedent(
        """
        import sys
        if sys.argv[1] == "lazy":
            from stratus.local.motofast import ec2_catalogue
            ec2_catalogue.install()
        from moto.ec2.models import instance_types
        loaded = sum(
            1 for regions in instance_types.INSTANCE_TYPE_OFFERINGS.values()
            for region in list(dict.keys(regions))
        )
        print(loaded)
        """
    )

    def loaded(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", script, mode], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        return int(out.strip())

    assert loaded("eager") > 50  # moto alone: every region of every location type
    assert loaded("lazy") == 0
