"""S3's direct SigV4 computation lives in `iam/canonical.py`, shared with the AWS endpoint's
IAM stage (the same canonical request for every service whose path needs no re-encoding)."""

from stratus.local.iam.canonical import expected, signing_key

__all__ = ["expected", "signing_key"]
