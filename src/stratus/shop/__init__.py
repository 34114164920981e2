"""The shop: a small online shop made of independent serverless services (issue 10).

One package per service (`catalog`, `orders`, `payments`, `notifications`): domain (pure),
store (AWS clients injected), thin handlers. Stacks live in `stratus.infra.shop`.
"""
