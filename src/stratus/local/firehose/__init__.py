"""Firehose delivery streams (moto keeps them) buffered to S3 by the local cloud."""
