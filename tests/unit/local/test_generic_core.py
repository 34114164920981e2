"""The generic local cloud names no system: every system declares itself in its own package."""

from __future__ import annotations

import re
from pathlib import Path

import stratus.local

LOCAL = Path(stratus.local.__file__).parent
# The systems of the project (and the diagnostic probes), in any spelling or case.
SYSTEM_WORDS = re.compile(r"to-?do|blog|shop|probe", re.IGNORECASE)


def test_no_file_under_local_mentions_a_system() -> None:
    mentions = []
    for path in sorted(LOCAL.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(LOCAL)
        if SYSTEM_WORDS.search(str(relative)):
            mentions.append(f"{relative}: in the path")
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            found = SYSTEM_WORDS.search(line)
            if found:
                mentions.append(f"{relative}:{number}: {found.group(0)!r} in {line.strip()!r}")
    assert not mentions, "src/stratus/local names a system:\n" + "\n".join(mentions)


def test_the_word_check_catches_each_spelling() -> None:
    for text in ("TodoApiUrl", "the to-do list", "BLOG", "workshop", "probes=true"):
        assert SYSTEM_WORDS.search(text), text
    assert not SYSTEM_WORDS.search("a generic local cloud serving any CDK app")
