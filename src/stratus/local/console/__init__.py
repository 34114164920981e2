"""The local console: one page per concern of the running local cloud, at `/console/` on
the gateway's HTTPS port.

Server-rendered HTML (Jinja2 templates, autoescaped) with a little plain JavaScript for
live tails, sliders and plots, not a single-page app: no build step and nothing fetched
from the network at `make up`, every page is a URL that works without script, loads fast
on a phone, and is tested by reading the HTML it answers. Data is read at request time
from the running services and through the local AWS endpoint with root credentials (the
console is the account's owner, as the AWS console is for an administrator).

Served to 127.0.0.1 only unless `stratus up --lan` (`guard`); read-only except the actions
the issue names (redrive, purge, invalidation), which are POSTs with a CSRF token.
"""
