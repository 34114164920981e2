"""Copies of code trees for published Lambda versions and merged layers, hard-linked where
that is as safe as a copy.

A version's code must not change after it is published. A CDK staged asset
(`<assembly>/asset.<hash>`) never changes: the CDK writes each one once, under a name made of
its content hash, and a changed source becomes a new directory. Its files are hard-linked,
which costs no space (each test cloud's published versions were ~250 MB of copied bundles).
Any other source — an asset the app did not stage, a directory a user edits in place — is
copied, as is everything where links are impossible (another filesystem). shutil has no
link-or-copy tree copy of its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

# aws-cdk-lib core/lib/private/asset-staging.ts, renderAssetFilename: `asset.${hash}${ext}`.
_STAGED_ASSET = re.compile(r"asset\.[0-9a-f]{16,}")


def is_staged_asset(path: Path) -> bool:
    """A directory the CDK staged into a cloud assembly (one with a `manifest.json`)."""
    return bool(_STAGED_ASSET.fullmatch(path.name)) and (path.parent / "manifest.json").is_file()


def link_or_copy(src: str, dst: str) -> None:
    """`dst` as a hard link to `src`, or a copy of it where links are impossible."""
    _replace(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def fresh_copy(src: str, dst: str) -> None:
    """`dst` as a copy of `src` under a new inode."""
    _replace(dst)
    shutil.copy2(src, dst)


def _replace(dst: str) -> None:
    # An existing `dst` is unlinked first, so a later layer's file replaces an earlier one's
    # instead of writing through an inode that an asset may share.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(dst)


def copy_code_tree(src: Path, dst: Path, *, merge: bool = False) -> None:
    """Copy the tree `src` to `dst`, symlinks kept as symlinks, files hard-linked if `src` is
    a staged asset; `merge` lays it over what is already at `dst`."""
    copy = link_or_copy if is_staged_asset(src) else fresh_copy
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=merge, copy_function=copy)
