"""The invalidation form's paths, checked as CloudFront checks them before anything is sent.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html:
a path starts with `/`; the `*` wildcard may only be its last character (`/images/*`,
`/images/image*`, `/*`); "the maximum length of a path is 4,000 characters".
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html:
up to 3,000 file paths and 15 wildcard paths in progress per distribution. The edge's own
hook (cloudfront.store.valid_invalidation_path) refuses the same paths with CloudFront's
InvalidArgument; checking here lets the page name each bad line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stratus.local.cloudfront.store import valid_invalidation_path

MAX_PATH_CHARS = 4000
MAX_FILE_PATHS = 3000
MAX_WILDCARD_PATHS = 15
MAX_FORM_CHARS = 64 * 1024  # the form's text area, checked before it is split


@dataclass
class PathCheck:
    paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def check_paths(text: str) -> PathCheck:
    """The form's paths (one per line, blank lines ignored, duplicates once), or errors."""
    out = PathCheck()
    if len(text) > MAX_FORM_CHARS:
        out.errors.append(f"Too much text: at most {MAX_FORM_CHARS} characters.")
        return out
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        path = line.strip()
        if not path:
            continue
        if len(path) > MAX_PATH_CHARS:
            out.errors.append(f"Line {number}: longer than {MAX_PATH_CHARS} characters.")
        elif not path.startswith("/"):
            out.errors.append(f"Line {number}: {path!r} must start with /.")
        elif not valid_invalidation_path(path):
            out.errors.append(f"Line {number}: {path!r}: * may only be the last character.")
        elif path not in seen:
            seen.add(path)
            out.paths.append(path)
    wildcards = sum(p.endswith("*") for p in out.paths)
    if wildcards > MAX_WILDCARD_PATHS:
        out.errors.append(f"At most {MAX_WILDCARD_PATHS} wildcard paths per invalidation.")
    if len(out.paths) - wildcards > MAX_FILE_PATHS:
        out.errors.append(f"At most {MAX_FILE_PATHS} file paths per invalidation.")
    if not out.paths and not out.errors:
        out.errors.append("Enter at least one path, such as /index.html or /images/*.")
    return out
