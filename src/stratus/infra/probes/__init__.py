"""The diagnostic probes' CDK stack."""
