"""`infra/app.py` builds the systems named by context `systems` (default: every system)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from aws_cdk import Stack

from stratus.infra.app import PROJECT_ROOT, build_app
from stratus.infra.blog.stack import blog_stack_name
from stratus.infra.probes.stack import probes_stack_name
from stratus.infra.shop.platform import shop_stack_name
from stratus.infra.todo.stack import todo_stack_name
from stratus.shop.system import SERVICES as SHOP_SERVICES
from stratus.systems import UnknownSystemError


def _stack_names(context: dict[str, str]) -> list[str]:
    app = build_app(context=context)
    return sorted(child.stack_name for child in app.node.children if isinstance(child, Stack))


def test_by_default_every_system_is_built_and_probes_only_when_asked() -> None:
    shop = [shop_stack_name(name, "dev") for name in ("platform", *SHOP_SERVICES)]
    updates = "Stratus-dev-Updates"
    every = sorted([todo_stack_name("dev"), blog_stack_name("dev"), *shop, updates])
    assert _stack_names({"stage": "dev"}) == every
    with_probes = _stack_names({"stage": "dev", "probes": "true"})
    assert with_probes == sorted([*every, probes_stack_name("dev")])


def test_systems_todo_builds_only_the_todo_stacks() -> None:
    names = _stack_names({"stage": "dev", "systems": "todo", "probes": "true"})
    assert names == [todo_stack_name("dev")]


def test_systems_shop_builds_the_platform_and_every_service_stack() -> None:
    names = _stack_names({"stage": "dev", "systems": "shop"})
    assert names == sorted(shop_stack_name(name, "dev") for name in ("platform", *SHOP_SERVICES))
    assert {"catalog", "payments", "notifications"} <= set(SHOP_SERVICES)


def test_naming_the_probes_builds_them_alone_but_never_for_prod() -> None:
    assert _stack_names({"stage": "dev", "systems": "probes"}) == [probes_stack_name("dev")]
    with pytest.raises(ValueError, match="refused for stage prod"):
        _stack_names({"stage": "prod", "systems": "probes"})


def test_an_unknown_system_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownSystemError,
        match="unknown system 'mall'; known systems: todo, blog, shop, updates, probes",
    ):
        _stack_names({"systems": "todo,mall"})


def test_the_module_exits_2_for_an_unknown_system() -> None:
    cmd = [sys.executable, "-m", "stratus.infra.app", "--systems", "nope", "--outdir", "/no/dir"]
    result = subprocess.run(
        cmd,
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown system 'nope'" in result.stderr and "Traceback" not in result.stderr
