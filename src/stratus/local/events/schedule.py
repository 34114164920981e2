"""EventBridge schedule expressions: validate `rate(...)`/`cron(...)` and find the next fire time.

Written here rather than taken from PyPI: croniter speaks Unix cron (no `?`, no year field, `L`,
`W` and `#` differ); aws-croniter 2.1.1, the closest fit, measured here returns no occurrence
for `cron(0 0 ? * L *)` (day-of-week `L`, i.e. Saturday) nor for a year as far as 2199, and
neither handles `rate(...)`. The dialect is small enough to evaluate directly: walk years,
months and days, skipping whole years or months that cannot match.

Docs: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
(all times UTC; fields minutes, hours, day-of-month, month, day-of-week, year; day-of-week 1-7
is SUN-SAT; one of day-of-month and day-of-week must be `?`; `rate` value 1 takes a singular
unit and larger values a plural one).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS = {
    name: i
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
YEARS = (1970, 2199)
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


class InvalidScheduleExpression(ValueError):
    """PutRule's ValidationException; the reason says what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Parameter ScheduleExpression is not valid. {reason}")


@dataclass(frozen=True)
class Rate:
    """`rate(N unit)`: fires every `period` from when the rule was created."""

    period: timedelta


@dataclass(frozen=True)
class Cron:
    """`cron(...)`; `dom`/`dow` are None where the field is `?`."""

    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    dom: frozenset[str] | None  # "5", "L", "LW", "15W"
    dow: frozenset[str] | None  # "2", "6L", "3#2"

    def day_matches(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom is not None:
            return any(_dom_matches(spec, day, last) for spec in self.dom)
        weekday = day.isoweekday() % 7 + 1  # SUN=1 ... SAT=7
        return self.dow is not None and any(
            _dow_matches(spec, day, weekday, last) for spec in self.dow
        )


def _dom_matches(spec: str, day: date, last: int) -> bool:
    if spec == "L":
        return day.day == last
    if spec.endswith("W"):
        target = last if spec == "LW" else int(spec[:-1])
        return target <= last and day.day == _nearest_weekday(day.replace(day=target), last)
    return day.day == int(spec)


def _nearest_weekday(target: date, last: int) -> int:
    """The weekday nearest `target` without leaving its month (the `W` rule)."""
    if target.weekday() == 5:  # Saturday → Friday, or Monday if the 1st
        return target.day - 1 if target.day > 1 else target.day + 2
    if target.weekday() == 6:  # Sunday → Monday, or Friday if the last day
        return target.day + 1 if target.day < last else target.day - 2
    return target.day


def _dow_matches(spec: str, day: date, weekday: int, last: int) -> bool:
    if "#" in spec:
        wanted, nth = (int(x) for x in spec.split("#"))
        return weekday == wanted and (day.day - 1) // 7 + 1 == nth
    if spec.endswith("L"):
        return weekday == int(spec[:-1]) and day.day + 7 > last
    return weekday == int(spec)


def _number(text: str, names: dict[str, int], field: str) -> int:
    value = names.get(text.upper())
    if value is not None:
        return value
    if not text.isdigit():
        raise InvalidScheduleExpression(f"Invalid {field} value '{text}'.")
    return int(text)


def _values(text: str, low: int, high: int, field: str, names: dict[str, int]) -> set[int]:
    """One field's `,`-separated items of `*`, `n`, `a-b` (may wrap) and `/step`."""
    result: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = _number(step_text, {}, field) if step_text else 1
        if step < 1:
            raise InvalidScheduleExpression(f"Invalid {field} step '{item}'.")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, second = base.partition("-")
            start, end = _number(first, names, field), _number(second, names, field)
        else:
            start = _number(base, names, field)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise InvalidScheduleExpression(f"Invalid {field} value '{item}'.")
        span = (end - start) % (high - low + 1)  # a range such as FRI-MON wraps around
        result.update(low + (start - low + k) % (high - low + 1) for k in range(0, span + 1, step))
    return result


def _day_specs(text: str, field: str) -> frozenset[str] | None:
    if text == "?":
        return None
    specs: set[str] = set()
    for item in text.split(","):
        if field == "day-of-month" and re.fullmatch(r"L|LW|([1-9]|[12]\d|3[01])W", item):
            specs.add(item)
        elif field == "day-of-week" and re.fullmatch(r"L|([1-7]|[A-Z]{3})(L|#[1-5])", item, re.I):
            if item.upper() == "L":
                specs.add("7")  # `L` alone is the last day of every week: Saturday
            else:
                day, mark = item[:-1], item[-1]
                if "#" in item:
                    day, mark = item.split("#")[0], "#" + item.split("#")[1]
                specs.add(f"{_number(day, WEEKDAYS, field)}{mark.upper()}")
        else:
            top, names = (31, {}) if field == "day-of-month" else (7, WEEKDAYS)
            specs.update(str(v) for v in _values(item, 1, top, field, names))
    return frozenset(specs)


def parse(expression: str) -> Rate | Cron:
    """Parse a ScheduleExpression, raising InvalidScheduleExpression like PutRule."""
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise InvalidScheduleExpression("The rate value must be a positive number.")
        if (value == 1) != (not unit.endswith("s")):
            raise InvalidScheduleExpression(
                "Use a singular unit (minute, hour, day) for 1 and a plural unit otherwise."
            )
        return Rate(timedelta(seconds=value * _UNIT[unit.rstrip("s")]))
    cron = _CRON.match(expression)
    if not cron:
        raise InvalidScheduleExpression("Use rate(value unit) or cron(fields).")
    fields = cron.group(1).split(" ")
    if len(fields) != 6:
        raise InvalidScheduleExpression("A cron expression has exactly six fields.")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise InvalidScheduleExpression("Exactly one of day-of-month and day-of-week must be '?'.")
    return Cron(
        minutes=frozenset(_values(minute, 0, 59, "minute", {})),
        hours=frozenset(_values(hour, 0, 23, "hour", {})),
        months=frozenset(_values(month, 1, 12, "month", MONTHS)),
        years=frozenset(_values(year, *YEARS, "year", {})),
        dom=_day_specs(dom, "day-of-month"),
        dow=_day_specs(dow, "day-of-week"),
    )


def next_fire(
    expression: str, after: datetime, *, created: datetime | None = None
) -> datetime | None:
    """The first fire time strictly after `after` (UTC), or None if the schedule has ended.

    A rate schedule counts its periods from `created` (the rule's creation), or from `after`.
    """
    schedule = parse(expression)
    after = _utc(after)
    if isinstance(schedule, Rate):
        anchor = _utc(created) if created else after
        periods = max(0, (after - anchor) // schedule.period + 1)
        return anchor + periods * schedule.period
    t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t.year <= YEARS[1]:
        if t.year not in schedule.years:
            t = datetime(t.year + 1, 1, 1, tzinfo=UTC)
        elif t.month not in schedule.months:
            t = datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=UTC)
        elif not schedule.day_matches(t.date()):
            t = datetime(t.year, t.month, t.day, tzinfo=UTC) + timedelta(days=1)
        else:
            for hour in sorted(h for h in schedule.hours if h >= t.hour):
                minutes = [m for m in sorted(schedule.minutes) if hour > t.hour or m >= t.minute]
                if minutes:
                    return t.replace(hour=hour, minute=minutes[0])
            t = datetime(t.year, t.month, t.day, tzinfo=UTC) + timedelta(days=1)
    return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
