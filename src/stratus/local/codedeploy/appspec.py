"""The AppSpec of a Lambda deployment requested through CreateDeployment."""

from __future__ import annotations

from typing import Any

from stratus.local.codedeploy.engine import DeploymentError


def parse_appspec(revision: dict[str, Any]) -> dict[str, Any]:
    """The AppSpec of a CreateDeployment revision (AppSpecContent or String, JSON or YAML)
    (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html)."""
    import yaml

    kind = revision.get("revisionType")
    holder = revision.get("appSpecContent") if kind == "AppSpecContent" else revision.get("string")
    content = (holder or {}).get("content") if kind in ("AppSpecContent", "String") else None
    if not isinstance(content, str) or not content.strip():
        raise DeploymentError(
            "InvalidRevisionException",
            "A Lambda deployment needs an AppSpecContent (or String) revision with content",
        )
    try:
        spec = yaml.safe_load(content)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise DeploymentError(
            "InvalidRevisionException", f"The AppSpec is not valid: {exc}"
        ) from None
    resources = spec.get("Resources") if isinstance(spec, dict) else None
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        raise DeploymentError(
            "InvalidRevisionException", "The AppSpec must name exactly one Lambda function resource"
        )
    (logical, body), *_ = resources[0].items()
    props = (body or {}).get("Properties") if isinstance(body, dict) else None
    wanted = ("Name", "Alias", "CurrentVersion", "TargetVersion")
    if (body or {}).get("Type") != "AWS::Lambda::Function" or not isinstance(props, dict):
        raise DeploymentError(
            "InvalidRevisionException", "The resource must be AWS::Lambda::Function"
        )
    missing = [k for k in wanted if props.get(k) in (None, "")]
    if missing:
        raise DeploymentError(
            "InvalidRevisionException", f"The AppSpec resource lacks {', '.join(missing)}"
        )
    hooks: dict[str, str] = {}
    for entry in spec.get("Hooks") or []:
        if isinstance(entry, dict):
            hooks.update({str(k): str(v) for k, v in entry.items()})
    unknown = set(hooks) - {"BeforeAllowTraffic", "AfterAllowTraffic"}
    if unknown:
        raise DeploymentError(
            "InvalidRevisionException", f"Lambda deployments have no hook {', '.join(unknown)}"
        )
    return {"logical_id": str(logical), **{k: str(props[k]) for k in wanted}, "hooks": hooks}
