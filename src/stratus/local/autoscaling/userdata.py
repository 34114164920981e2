"""What a local instance runs: the `# stratus:local-command` lines of its user data.

On AWS an instance runs its whole user data script as root at first boot
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html): it installs packages,
downloads the application and starts it as a system service. None of that can run on a
developer's machine (package managers, systemd, root, S3 downloads from the real account),
and guessing which script line "starts the program" would be fragile. So the script names
its local stand-in explicitly, as a shell comment AWS ignores:

    # stratus:local-command python -m myapp.server --host $STRATUS_INSTANCE_IP --port 8080

Each such line is one long-running program of the instance, started in order. The command
is split like a shell would (`shlex`), `$NAME` / `${NAME}` are expanded from the instance's
environment (`STRATUS_INSTANCE_ID`, `STRATUS_INSTANCE_IP`, `STRATUS_INSTANCE_DATA`: a
directory that survives restarts, shared by the group's instances like a baked AMI), and a
leading `python` / `python3` is the local cloud's own interpreter (the project's code and
its dependencies are importable there). A user data with no marker line launches nothing:
the group is named at start as not run locally.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
import sys
from collections.abc import Mapping

MARKER = "# stratus:local-command"
PYTHONS = ("python", "python3")


class UserDataError(ValueError):
    """User data that cannot be read, or a marker line with no command."""


def decode(user_data: str) -> str:
    """LaunchTemplateData.UserData is base64 (Fn::Base64 in a template)."""
    try:
        return base64.b64decode(user_data.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise UserDataError(f"user data is not base64 of UTF-8 text: {exc}") from exc


def local_commands(script: str, env: Mapping[str, str]) -> list[list[str]]:
    """The argv of each marker line of `script`, expanded with `env`."""
    commands: list[list[str]] = []
    for number, line in enumerate(script.splitlines(), 1):
        text = line.strip()
        if not text.startswith(MARKER):
            continue
        rest = text[len(MARKER) :]
        if rest and not rest[0].isspace():
            continue  # another marker (`# stratus:local-commandX`)
        argv = [_expand(word, env) for word in shlex.split(rest)]
        if not argv:
            raise UserDataError(f"user data line {number}: {MARKER} names no command")
        if argv[0] in PYTHONS:
            argv[0] = sys.executable
        commands.append(argv)
    return commands


_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _expand(word: str, env: Mapping[str, str]) -> str:
    """`$NAME` / `${NAME}` from `env`; an unknown name is left as written (as expandvars)."""

    def value(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        return env.get(name, match[0])

    return _VAR.sub(value, word)
