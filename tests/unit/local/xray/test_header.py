"""X-Amzn-Trace-Id parsing and ids in AWS's formats."""

from __future__ import annotations

import re

from stratus.local.xray import header


def test_new_trace_id_is_version_epoch_hex_and_96_random_bits() -> None:
    trace_id = header.new_trace_id(0x5759E988)
    assert re.fullmatch(r"1-5759e988-[0-9a-f]{24}", trace_id)
    assert header.new_trace_id() != header.new_trace_id()


def test_segment_ids_are_16_hex_digits() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", header.new_segment_id())


def test_full_header_round_trips() -> None:
    value = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    parsed = header.parse(value)
    assert parsed == header.TraceHeader(
        "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", True
    )
    assert parsed.render() == value


def test_fields_in_any_order_and_case_with_spaces() -> None:
    parsed = header.parse("sampled=0; root=1-5759E988-BD862E3FE1BE46A994272793 ;Lineage=a:1")
    assert parsed is not None
    assert parsed.root == "1-5759e988-bd862e3fe1be46a994272793"
    assert parsed.sampled is False and parsed.parent is None


def test_malformed_or_oversized_headers_are_none() -> None:
    for value in (
        None,
        "",
        "Root=abc",
        "Root=2-5759e988-bd862e3fe1be46a994272793",
        "Root=1-5759e988-bd862e3f",
        "Parent=53995c3f42cd8ad8",
        "Root=1-5759e988-bd862e3fe1be46a994272793;" + "x" * 300,
    ):
        assert header.parse(value) is None, value


def test_bad_parent_is_dropped_but_root_kept() -> None:
    parsed = header.parse("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=zz;Sampled=?")
    assert parsed == header.TraceHeader("1-5759e988-bd862e3fe1be46a994272793")


def test_continue_keeps_the_clients_root_else_starts_one() -> None:
    kept = header.continue_or_start("Root=1-5759e988-bd862e3fe1be46a994272793", 0)
    assert kept.root == "1-5759e988-bd862e3fe1be46a994272793"
    fresh = header.continue_or_start("garbage", 0x10)
    assert fresh.root.startswith("1-00000010-") and fresh.parent is None


def test_child_names_the_new_parent() -> None:
    root = header.TraceHeader("1-5759e988-bd862e3fe1be46a994272793", "1111111111111111", True)
    child = root.child("2222222222222222")
    assert child.render().endswith(";Parent=2222222222222222;Sampled=1")
