"""Builders for events exactly as AWS delivers them, one module per source service.

Each builder takes plain values (and injected ids/clocks where AWS would invent them), so the
local cloud and the tests produce byte-for-byte the shapes handlers receive on AWS.
"""
