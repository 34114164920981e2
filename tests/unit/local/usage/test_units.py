"""DynamoDB request units and item sizes, against the examples on AWS's pages
(read-write-operations.html, CapacityUnitCalculations.html, the on-demand pricing page)."""

from __future__ import annotations

import pytest

from stratus.local.usage import units


def _item(size: int) -> dict[str, dict[str, str]]:
    """An item of exactly `size` bytes: attribute "a" (1 byte) + a string of size - 1."""
    return {"a": {"S": "x" * (size - 1)}}


def test_a_3500_byte_read_costs_one_unit_strong_and_half_eventual() -> None:
    assert units.read_units(3500, consistent=True) == 1.0
    assert units.read_units(3500) == 0.5


def test_an_8_kb_read_costs_two_strong_one_eventual_four_transactional() -> None:
    assert units.read_units(8 * 1024, consistent=True) == 2.0
    assert units.read_units(8 * 1024) == 1.0
    assert units.read_units(8 * 1024, transactional=True) == 4.0


def test_a_10_kb_item_is_rounded_up_to_12_kb() -> None:
    assert units.read_units(10 * 1024, consistent=True) == 3.0


def test_batch_get_rounds_each_item_but_query_rounds_the_sum() -> None:
    items = [_item(1536), _item(6656)]  # 1.5 KB and 6.5 KB: 4 KB + 8 KB = 12 KB
    assert units.items_read_units(items, consistent=True, each=True) == 3.0
    assert units.items_read_units(items, consistent=True) == 2.0  # 8 KB together


def test_a_read_of_nothing_still_costs_the_minimum() -> None:
    assert units.read_units(0) == 0.5
    assert units.items_read_units([], consistent=True) == 1.0


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 1.0), (1024, 1.0), (1025, 2.0), (1536, 2.0), (3 * 1024, 3.0)]
)
def test_writes_are_one_unit_per_kilobyte_rounded_up(size: int, expected: float) -> None:
    assert units.write_units(size) == expected
    assert units.write_units(size, transactional=True) == 2 * expected


def test_item_size_counts_names_values_and_list_map_overheads() -> None:
    assert units.item_size(_item(100)) == 100
    assert units.item_size({"n": {"N": "123.45"}}) == 1 + 3 + 1  # 5 digits: 3 bytes + 1
    assert units.item_size({"n": {"N": "0.0100"}}) == 1 + 1 + 1  # zeros trimmed: "1"
    assert units.item_size({"b": {"B": "AAEC"}}) == 1 + 3  # raw bytes, not base64
    assert units.item_size({"t": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert units.item_size({"l": {"L": []}}) == 1 + 3
    assert units.item_size({"l": {"L": [{"S": "ab"}, {"S": "c"}]}}) == 1 + 3 + (2 + 1) + (1 + 1)
    assert units.item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert units.item_size({"s": {"SS": ["ab", "é"]}}) == 1 + 2 + 2
    assert units.item_size({"é": {"S": "naïve"}}) == 2 + 6  # UTF-8 bytes, not characters
    odd = {"s": {"S": 12}, "m": {"M": {"k": {"S": None}}}}  # as text, as before
    assert units.item_size(odd) == 1 + 2 + 1 + 3 + 1 + 4 + 1
