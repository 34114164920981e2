"""A container image as a local directory: the Docker image asset staged, its command resolved.

`cdk synth` puts a `ContainerImage.from_asset(dir)` in the cloud assembly as a docker image
asset (`<stack>.assets.json`, `dockerImages`: source directory, Dockerfile, build args,
target) tagged with its hash; the task definition names `<account>.dkr.ecr...:<hash>`.
Instead of building the image, `stage_image` makes a per-image root directory where each
COPY/ADD of the Dockerfile is a symlink into the asset directory (so edits to the code are
seen on the next start), WORKDIR is a directory of that root, and absolute container paths
in the command and environment that exist in the root point into it. The program is looked
up on a PATH that starts with the local cloud's own Python environment, so `python`,
`uvicorn`, `gunicorn` resolve to the project's venv; a program found nowhere fails `up`.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from stratus.local.ecs.dockerfile import DockerfileError, ImageConfig, parse_dockerfile
from stratus.local.provision.project import ProjectError


class ImageError(ProjectError):
    """The image cannot run locally (asset missing, Dockerfile unreadable, program unknown)."""


@dataclass(frozen=True)
class ImageAsset:
    """A docker image asset of the cloud assembly."""

    asset_hash: str
    directory: Path
    dockerfile: str = "Dockerfile"
    build_args: tuple[tuple[str, str], ...] = ()
    target: str | None = None


@dataclass
class StagedImage:
    """An image ready to run: its config and the root directory standing in for its files."""

    asset: ImageAsset
    config: ImageConfig
    root: Path

    @property
    def workdir(self) -> Path:
        return self.map_path(self.config.workdir, force=True)

    def map_path(self, container_path: str, *, force: bool = False) -> Path:
        """The local path of an absolute container path (unchanged when not staged)."""
        local = self.root / container_path.lstrip("/")
        if force or os.path.lexists(local):
            return local
        return Path(container_path)

    def map_value(self, value: str) -> str:
        """An argument or variable: an absolute container path that exists in the root (or
        a list of them, as in PATH-like values) points into the root."""
        if ":" in value and all(part.startswith("/") for part in value.split(":") if part):
            return ":".join(self._map_word(part) for part in value.split(":"))
        return self._map_word(value)

    def _map_word(self, word: str) -> str:
        if word.startswith("/") and word != "/" and os.path.lexists(self.root / word.lstrip("/")):
            return str(self.root / word.lstrip("/"))
        return word


def image_assets(assembly_dir: Path) -> dict[str, ImageAsset]:
    """Every docker image asset of an assembly's asset manifests, by hash (= image tag)."""
    found: dict[str, ImageAsset] = {}
    for manifest in sorted(assembly_dir.rglob("*.assets.json")):
        try:
            images = json.loads(manifest.read_text()).get("dockerImages") or {}
        except (OSError, ValueError):
            continue
        for key, spec in images.items():
            source = spec.get("source") or {}
            directory = source.get("directory")
            if not directory:
                continue  # an executable-produced image: nothing local to run
            path = Path(directory)
            if not path.is_absolute():
                path = (manifest.parent / path).resolve()
            asset = ImageAsset(
                asset_hash=key,
                directory=path,
                dockerfile=str(source.get("dockerFile") or "Dockerfile"),
                build_args=tuple(sorted((source.get("dockerBuildArgs") or {}).items())),
                target=source.get("dockerBuildTarget"),
            )
            found[key] = asset
            for dest in (spec.get("destinations") or {}).values():
                tag = dest.get("imageTag")
                if tag:
                    found.setdefault(str(tag), asset)
    return found


def asset_for_image(image: str, assets: dict[str, ImageAsset]) -> ImageAsset | None:
    """The asset an image URI names by its tag (`...:<hash>`), or None (a registry image)."""
    name = image.rsplit("/", 1)[-1]
    tag = name.rsplit(":", 1)[-1] if ":" in name else ""
    return assets.get(tag)


def stage_image(asset: ImageAsset, images_dir: Path) -> StagedImage:
    """Parse the asset's Dockerfile and lay out its root under `images_dir` (rebuilt each
    start: the symlinks are cheap and a changed Dockerfile must not leave stale ones)."""
    dockerfile = asset.directory / asset.dockerfile
    try:
        text = dockerfile.read_text()
    except OSError as exc:
        raise ImageError(f"cannot read the image's Dockerfile {dockerfile}: {exc}") from exc
    try:
        config = parse_dockerfile(text, dict(asset.build_args), asset.target)
    except (DockerfileError, ValueError) as exc:
        raise ImageError(f"{dockerfile}: {exc}") from exc
    key = hashlib.sha256(f"{asset.asset_hash}:{asset.directory}".encode()).hexdigest()[:16]
    root = images_dir / key
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for copy in config.copies:
        for source in copy.sources:
            _stage_copy(asset.directory, source, root, copy.destination)
    staged = StagedImage(asset=asset, config=config, root=root)
    staged.workdir.mkdir(parents=True, exist_ok=True)
    return staged


def _stage_copy(context: Path, source: str, root: Path, destination: str) -> None:
    """Docker's COPY rules: a directory's contents go into the destination; a file goes
    to the destination path, or into it when it ends with `/` (or copies several)."""
    matches = (
        sorted(glob.glob(str(context / source)))
        if glob.has_magic(source)
        else [str(context / source)]
    )
    target = root / destination.lstrip("/")
    into_dir = destination.endswith("/") or len(matches) > 1 or glob.has_magic(source)
    for match in matches:
        path = Path(match)
        if not path.exists():
            raise ImageError(f"COPY {source}: {path} is not in the image's build context")
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            for child in path.iterdir():
                if child.name in (".stratus", "cdk.out", "__pycache__"):
                    continue
                _link(child, target / child.name)
        else:
            link = target / path.name if into_dir else target
            link.parent.mkdir(parents=True, exist_ok=True)
            _link(path, link)


def _link(source: Path, link: Path) -> None:
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(source.resolve())


def local_path() -> str:
    """PATH for a task: the local cloud's Python environment first, then the host's."""
    venv_bin = str(Path(sys.executable).parent)
    return os.pathsep.join([venv_bin, os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")])


def resolve_command(image: StagedImage, argv: list[str], path: str) -> list[str]:
    """The argv to exec: container paths mapped into the root and the program found on
    `path` (an absolute program outside the root is looked up by name there first, so
    `/usr/local/bin/python` is the venv's Python)."""
    if not argv:
        raise ImageError(
            "the container has no command (no ENTRYPOINT/CMD in the image and no "
            "Command/EntryPoint in the task definition)"
        )
    mapped = [image.map_value(word) for word in argv]
    program = mapped[0]
    if program.startswith(str(image.root)):
        if not os.access(program, os.X_OK):
            raise ImageError(f"the container's program {argv[0]} is not executable")
        return mapped
    found = shutil.which(Path(program).name, path=path)
    if found is None and program.startswith("/") and os.access(program, os.X_OK):
        found = program
    if found is None:
        raise ImageError(
            f"the container's program {argv[0]!r} is not found locally (searched {path}); "
            "the local cloud does not run the image's RUN steps: install it in the project's "
            "environment"
        )
    return [found, *mapped[1:]]
