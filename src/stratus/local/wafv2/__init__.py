"""AWS WAF (wafv2) as an emulated service: web ACLs evaluated where requests arrive.

Modules, one job each: `transforms` (text transformations), `request` (the request and
FieldToMatch), `statements` (rule statements), `rate` (rate-based rules), `managed` (the
AWS managed rule groups emulated), `acl` (a web ACL's evaluation: priorities, actions,
labels, rule groups), `edge` (a CLOUDFRONT ACL on a distribution), `providers`, `service`.
"""
