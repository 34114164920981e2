"""CloudWatch dashboards drawn locally: the dashboard body (JSON) and stored metric data
become an HTML page of server-rendered SVG plots, as the CloudWatch console draws them.

Pure parts (`body`, `layout`, `timerange`, `specs`, `query`, `expressions`, `labels`,
`view`, `svg`, `render`) take plain data and return plain data or HTML, so a local console
can reuse them; `source` reads moto's CloudWatch state and `pages` serves the routes on the
AWS endpoint.
"""
