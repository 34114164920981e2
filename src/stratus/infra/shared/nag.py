"""cdk-nag wiring: the AwsSolutions pack plus reasoned acknowledgements.

cdk-nag 3.x runs as a CDK policy-validation plugin: an unacknowledged finding makes
`app.synth()` raise `ValidationFailed` (even with CDK_VALIDATION=false) and writes
`validation-report.json` into the cloud assembly. Acknowledgements use the CDK's own
`Validations.of(scope).acknowledge(...)`; each one must say why.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def enable_nag(app: App) -> None:
    """Run the AwsSolutions pack on every stack of `app` at synth time."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one finding (`AwsSolutions-X` or `AwsSolutions-X[finding]`) on `scope`."""
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgement of {rule} needs a real reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))
