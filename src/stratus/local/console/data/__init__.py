"""Helpers the data pages (tables, buckets, alarms, metrics, dashboards) share: page tokens,
Regions, typed DynamoDB values and metric plots. Plain functions, no Starlette, so they are
unit-tested on their own."""
