"""Published code is hard-linked only from CDK staged assets, and nothing written afterwards
reaches back into the source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stratus.local.core import linked_copy
from stratus.local.core.linked_copy import copy_code_tree, is_staged_asset

HASH = "5bdd8113462f836471e0ce1df8205b75afd6395678ce9a68275250757077eb9e"


def staged_asset(root: Path, name: str = f"asset.{HASH}") -> Path:
    (root / "manifest.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text("{}")
    asset = root / name
    (asset / "pkg").mkdir(parents=True)
    (asset / "app.py").write_text("A = 1\n")
    (asset / "pkg" / "mod.py").write_text("B = 2\n")
    (asset / "link.py").symlink_to("app.py")
    return asset


def test_a_staged_asset_is_linked_not_copied(tmp_path: Path) -> None:
    asset = staged_asset(tmp_path / "cdk.out")
    copy_code_tree(asset, tmp_path / "v1")
    assert (
        os.stat(tmp_path / "v1" / "pkg" / "mod.py").st_ino
        == os.stat(asset / "pkg" / "mod.py").st_ino
    )
    assert os.readlink(tmp_path / "v1" / "link.py") == "app.py"


def test_a_replaced_asset_file_leaves_the_version_as_published(tmp_path: Path) -> None:
    asset = staged_asset(tmp_path / "cdk.out")
    copy_code_tree(asset, tmp_path / "v1")
    (asset / "app.py").unlink()  # the assembly rewritten or removed
    assert (tmp_path / "v1" / "app.py").read_text() == "A = 1\n"


@pytest.mark.parametrize(
    "name, manifest",
    [("code", True), ("asset.not-a-hash", True), (f"asset.{HASH}", False)],
)
def test_anything_else_is_copied(tmp_path: Path, name: str, manifest: bool) -> None:
    source = staged_asset(tmp_path / "out", name)
    if not manifest:
        (tmp_path / "out" / "manifest.json").unlink()
    assert not is_staged_asset(source)
    copy_code_tree(source, tmp_path / "v1")
    (source / "app.py").write_text("A = 'edited in place'\n")
    assert (tmp_path / "v1" / "app.py").read_text() == "A = 1\n"


def test_merging_a_later_layer_never_writes_through_an_earlier_ones_link(tmp_path: Path) -> None:
    first = staged_asset(tmp_path / "cdk.out")
    second = tmp_path / "layer2"
    second.mkdir()
    (second / "app.py").write_text("A = 'second'\n")
    opt = tmp_path / "opt"
    copy_code_tree(first, opt, merge=True)
    copy_code_tree(second, opt, merge=True)
    assert (opt / "app.py").read_text() == "A = 'second'\n"
    assert (first / "app.py").read_text() == "A = 1\n"  # the staged asset is untouched


def test_without_hard_links_a_staged_asset_is_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(linked_copy.os, "link", refuse)
    asset = staged_asset(tmp_path / "cdk.out")
    copy_code_tree(asset, tmp_path / "v1")
    assert os.stat(tmp_path / "v1" / "app.py").st_ino != os.stat(asset / "app.py").st_ino
    assert (tmp_path / "v1" / "app.py").read_text() == "A = 1\n"
