"""EventBridge schedule expressions: rate and cron validation and next fire times (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from stratus.local.events.schedule import InvalidScheduleExpression, next_fire

START = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)  # a Monday


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def fires(expression: str, after: datetime = START, count: int = 3) -> list[datetime]:
    out: list[datetime] = []
    moment = after
    for _ in range(count):
        found = next_fire(expression, moment)
        assert found is not None
        out.append(found)
        moment = found
    return out


def test_rate_minutes_counts_from_creation() -> None:
    created = at(2024, 1, 1, 9, 58)
    assert next_fire("rate(5 minutes)", START, created=created) == at(2024, 1, 1, 10, 3)


def test_rate_without_creation_time_counts_from_after() -> None:
    assert next_fire("rate(1 hour)", START) == at(2024, 1, 1, 11, 0)
    assert next_fire("rate(2 days)", START) == START + timedelta(days=2)


def test_rate_before_creation_fires_at_creation() -> None:
    created = at(2024, 1, 2)
    assert next_fire("rate(1 day)", START, created=created) == created


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(1 week)", "rate(-1 days)"],
)
def test_rate_with_wrong_unit_or_value_is_rejected(expression: str) -> None:
    with pytest.raises(InvalidScheduleExpression, match="ScheduleExpression is not valid"):
        next_fire(expression, START)


def test_cron_daily_is_strictly_after() -> None:
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
    # "Run at 10:00 am (UTC+0) every day": cron(0 10 * * ? *)
    assert fires("cron(0 10 * * ? *)", count=2) == [at(2024, 1, 2, 10), at(2024, 1, 3, 10)]


def test_cron_seconds_past_the_minute_move_to_the_next_fire() -> None:
    assert next_fire("cron(0 10 * * ? *)", at(2024, 1, 1, 9, 59, 59)) == START


def test_cron_every_15_minutes() -> None:
    assert fires("cron(0/15 * * * ? *)") == [
        at(2024, 1, 1, 10, 15),
        at(2024, 1, 1, 10, 30),
        at(2024, 1, 1, 10, 45),
    ]


def test_cron_weekdays_by_name_range() -> None:
    # Docs: "Run at 6:00 pm (UTC+0) every Monday through Friday": cron(0 18 ? * MON-FRI *)
    friday = at(2024, 1, 5, 18, 0)
    assert next_fire("cron(0 18 ? * MON-FRI *)", friday) == at(2024, 1, 8, 18, 0)


def test_cron_list_of_minutes() -> None:
    assert fires("cron(5,35 14 * * ? *)", count=3) == [
        at(2024, 1, 1, 14, 5),
        at(2024, 1, 1, 14, 35),
        at(2024, 1, 2, 14, 5),
    ]


def test_cron_first_day_of_month() -> None:
    # Docs: "Run at 8:00 am (UTC+0) every 1st day of the month": cron(0 8 1 * ? *)
    assert fires("cron(0 8 1 * ? *)", count=2) == [at(2024, 2, 1, 8), at(2024, 3, 1, 8)]


def test_cron_last_friday_of_month_within_years() -> None:
    # Docs: "Run at 10:15 am (UTC+0) on the last Friday of each month during 2002-2005"
    # (here 2022-2025): cron(15 10 ? * 6L 2022-2025)
    assert fires("cron(15 10 ? * 6L 2022-2025)", count=2) == [
        at(2024, 1, 26, 10, 15),
        at(2024, 2, 23, 10, 15),
    ]
    assert next_fire("cron(15 10 ? * 6L 2022-2025)", at(2025, 12, 31)) is None


def test_cron_last_day_of_month() -> None:
    assert fires("cron(0 0 L * ? *)", count=2) == [at(2024, 1, 31), at(2024, 2, 29)]


def test_cron_l_alone_in_day_of_week_is_saturday() -> None:
    assert next_fire("cron(0 0 ? * L *)", START) == at(2024, 1, 6)


def test_cron_nearest_weekday() -> None:
    # 2024-03-31 is a Sunday: 31W is Friday the 29th (W never leaves the month).
    assert next_fire("cron(0 8 31W * ? *)", at(2024, 3, 1)) == at(2024, 3, 29, 8)
    # 2024-06-01 is a Saturday: 1W is Monday the 3rd.
    assert next_fire("cron(0 8 1W * ? *)", at(2024, 5, 2)) == at(2024, 6, 3, 8)


def test_cron_nth_weekday_of_month() -> None:
    # Docs: "3#2" is the second Tuesday of the month.
    assert fires("cron(0 0 ? * 3#2 *)", count=2) == [at(2024, 1, 9), at(2024, 2, 13)]


def test_cron_month_names() -> None:
    assert next_fire("cron(0 0 1 JAN,JUL ? *)", START) == at(2024, 7, 1)


def test_cron_sunday_is_one() -> None:
    assert next_fire("cron(0 0 ? * 1 *)", START) == at(2024, 1, 7)


def test_cron_february_29th_waits_for_a_leap_year() -> None:
    assert next_fire("cron(0 0 29 2 ? *)", at(2024, 3, 1)) == at(2028, 2, 29)


def test_cron_far_year_is_found() -> None:
    assert next_fire("cron(0 0 1 1 ? 2199)", START) == at(2199, 1, 1)


def test_cron_wrapping_day_range() -> None:
    assert fires("cron(0 0 ? * FRI-MON *)", count=4) == [
        at(2024, 1, 5),
        at(2024, 1, 6),
        at(2024, 1, 7),
        at(2024, 1, 8),
    ]


def test_after_in_another_time_zone_is_converted_to_utc() -> None:
    local = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert next_fire("cron(0 10 * * ? *)", local) == at(2024, 1, 2, 10)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 * * * *)",
        "cron(0 0 ? * ? *)",
        "cron(0 0 * * ?)",
        "cron(60 0 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 ? * 2#6 *)",
        "cron(0 0 1 FOO ? *)",
        "cron(0 0 1 * ? 1969)",
        "cron(0/0 * * * ? *)",
        "0 10 * * ? *",
    ],
)
def test_invalid_cron_is_rejected(expression: str) -> None:
    with pytest.raises(InvalidScheduleExpression, match="ScheduleExpression is not valid"):
        next_fire(expression, START)
