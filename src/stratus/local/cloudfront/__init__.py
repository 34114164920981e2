"""CloudFront as an emulated service: distributions served over HTTPS by a local edge that
really caches (policies, TTLs, revalidation, collapsing, ranges, invalidations, Lambda@Edge).

Modules, one job each: `policies` (cache / origin request / response headers policies,
managed ones included), `config` (a distribution from its template), `patterns` (path
patterns), `ttl` (how long an object stays), `cache_key` (key and what reaches the origin),
`store` (the bounded LRU cache, invalidation, collapsing), `ranges`, `origins` (S3 with
OAC/OAI, the local API gateway, custom origins), `edge_lambda` (Lambda@Edge events and
limits), `respond` (CloudFront's own headers, errors, compression, response headers
policies), `edge` (the request pipeline), `certs`, `providers`, `service`.
"""
