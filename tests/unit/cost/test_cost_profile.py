"""Traffic files: JSON or YAML, validated field by field, errors as one readable message."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.cost.profile import ProfileError, TrafficProfile, default_profile, load_profile


def test_json_and_yaml_files_load_to_the_same_profile(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text('{"users": 10, "apis": {"*": {"requests_per_day": 5}}}')
    (tmp_path / "t.yaml").write_text("users: 10\napis:\n  '*':\n    requests_per_day: 5\n")
    assert load_profile(tmp_path / "t.json") == load_profile(tmp_path / "t.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"users": -1}', "users: Input should be greater than or equal to 0"),
        ('{"userz": 1}', "userz: Extra inputs are not permitted"),
        ('{"apis": {"x": {"cache_hit_ratio": 2}}}', "apis.x.cache_hit_ratio"),
        ('{"options": {"lambda_architecture": "sparc"}}', "options.lambda_architecture"),
        ('{"viewer_mix": {"moon": 1}}', "unknown geographies ['moon']"),
        ("[1, 2]", "a traffic profile is a mapping of fields, got list"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_json_files_name_the_field_and_the_reason(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert expected in str(err.value)
    assert str(path) in str(err.value)


def test_bad_yaml_and_missing_files_are_profile_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("users: [1\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(tmp_path / "bad.yaml")
    with pytest.raises(ProfileError, match="cannot read traffic file"):
        load_profile(tmp_path / "missing.json")


def test_default_profile_is_bigger_for_prod_and_has_every_kind_of_traffic() -> None:
    prod, dev = default_profile("prod"), default_profile("dev")
    assert prod.users == 1000 and dev.users == 50
    assert prod.apis["*"].requests_per_user_per_day > 0
    assert prod.images_per_day and prod.emails_per_day and prod.page_views_per_day
    assert isinstance(prod, TrafficProfile) and prod.name == "default-prod"
