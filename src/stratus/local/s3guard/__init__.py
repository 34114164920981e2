"""The local S3 guard: SigV4, pre-signed URL/POST and identity-policy checks in front of moto."""

from stratus.local.s3guard.errors import S3Error, error_response
from stratus.local.s3guard.guard import S3Guard

__all__ = ["S3Error", "S3Guard", "error_response"]
