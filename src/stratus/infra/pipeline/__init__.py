"""The delivery pipeline: one pure model (`model`) read by the CDK Pipelines stack (`stack`)
and by `stratus pipeline run` (`stratus.cli.pipeline`), so the two cannot drift."""
