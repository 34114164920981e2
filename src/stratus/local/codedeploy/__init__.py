"""Local CodeDeploy for Lambda: alias traffic shifting (canary, linear, all at once) with
lifecycle hooks and alarm rollback, started when `up` changes a CodeDeploy-managed alias."""
