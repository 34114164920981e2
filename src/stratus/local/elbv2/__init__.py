"""Elastic Load Balancing v2 as an emulated service: Application Load Balancers that run.

Modules: `names` (the local DNS name and the local port of each listener), `providers`
(the AWS::ElasticLoadBalancingV2::* resources, created in moto), `config` (the provisioned
balancers, listeners, rules and target groups, parsed), `rules` (listener rule matching and
the redirect and fixed-response actions), `health` (a target's health state machine),
`targets` (registered targets, draining and round robin), `checks` (the health checks),
`pages` (the load balancer's own error answers), `proxy` (one listener's ASGI app),
`certs` (listener certificates), `service` (the wiring and the API hooks).
"""
