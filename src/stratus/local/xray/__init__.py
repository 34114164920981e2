"""A local AWS X-Ray: the daemon's UDP listener, a bounded trace store, the trace API, and
the segments the local cloud itself records (API Gateway stages, Lambda functions)."""
