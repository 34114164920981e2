"""One module per service's arithmetic: each turns a month's usage into priced lines.

Every module exposes `lines(ctx) -> list[CostLine]` over the shared `PricingContext`, and
small pure functions (quantity, prices -> USD) that the unit tests check against the worked
examples of AWS's pricing pages.
"""
