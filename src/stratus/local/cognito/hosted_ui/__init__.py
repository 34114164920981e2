"""Cognito's managed login (hosted UI) and OAuth 2.0 / OIDC endpoints, served locally on each
user-pool domain by the HTTPS gateway (see `site.HostedUi`)."""
