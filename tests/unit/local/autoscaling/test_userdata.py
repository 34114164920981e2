"""The user data's `# stratus:local-command` lines are what a local instance runs."""

from __future__ import annotations

import base64
import sys

import pytest

from stratus.local.autoscaling.userdata import UserDataError, decode, local_commands

SCRIPT = """#!/bin/bash
set -euo pipefail
dnf install -y python3
systemctl enable --now updates
# stratus:local-command python -m app.server --host $STRATUS_INSTANCE_IP --root "${DATA}/site x"
# stratus:local-commandX not this one
  # stratus:local-command /usr/bin/env true
"""


def test_marker_lines_become_argv_with_variables_and_the_local_python() -> None:
    commands = local_commands(SCRIPT, {"STRATUS_INSTANCE_IP": "127.0.0.9", "DATA": "/d"})
    assert commands == [
        [sys.executable, "-m", "app.server", "--host", "127.0.0.9", "--root", "/d/site x"],
        ["/usr/bin/env", "true"],
    ]


def test_unknown_variables_stay_as_written() -> None:
    assert local_commands("# stratus:local-command echo $NOPE", {}) == [["echo", "$NOPE"]]


def test_no_marker_no_command_and_an_empty_marker_is_an_error() -> None:
    assert local_commands("#!/bin/bash\npython -m app.server\n", {}) == []
    with pytest.raises(UserDataError, match="names no command"):
        local_commands("# stratus:local-command   \n", {})


def test_user_data_is_base64() -> None:
    assert decode(base64.b64encode(SCRIPT.encode()).decode()) == SCRIPT
    with pytest.raises(UserDataError):
        decode("not base64!")
