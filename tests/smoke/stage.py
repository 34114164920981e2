"""What a smoke test knows of the deployed stage: its outputs and how to reach it."""

from __future__ import annotations

import os
import ssl

import httpx

from stratus.infra.pipeline.model import output_env_name


def output(key: str) -> str:
    """A stack output of the deployed stage (a missing one is a failed deployment)."""
    value = os.environ.get(output_env_name(key))
    assert value, f"the stage has no output {key} ({output_env_name(key)} is not set)"
    return value


def client(base_url: str) -> httpx.Client:
    ca = os.environ.get("STRATUS_CA_BUNDLE")
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca) if ca else True
    return httpx.Client(base_url=base_url, verify=verify, timeout=30)
