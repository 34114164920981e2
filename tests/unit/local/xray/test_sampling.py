"""X-Ray's default sampling rule where a trace starts: one trace each second, then 5% of the
rest; a decision made upstream is kept; an unsampled request passes `Sampled=0` on, so the
function's tracer records nothing; `STRATUS_XRAY_SAMPLING=all` records everything."""

from __future__ import annotations

import pytest

from stratus.local.xray import recorder, sampling
from stratus.local.xray.header import TraceHeader, parse


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_reservoir_takes_the_first_request_each_second_then_the_fixed_rate() -> None:
    clock, draws = Clock(), iter([0.5, 0.04, 0.5, 0.9])
    sampler = sampling.Sampler(clock=clock, draw=lambda: next(draws))
    assert sampler.decide() is True  # the reservoir's one for second 1000
    assert sampler.decide() is False  # 0.5 >= 0.05
    assert sampler.decide() is True  # 0.04 < 0.05
    clock.now = 1000.9
    assert sampler.decide() is False  # same second, reservoir spent: 0.5
    clock.now = 1001.0
    assert sampler.decide() is True  # a new second refills the reservoir
    assert sampler.decide() is False  # 0.9


def test_the_default_rule_samples_about_one_a_second_and_five_percent() -> None:
    clock = Clock()
    sampler = sampling.Sampler(clock=clock)
    taken = 0
    for i in range(20_000):
        clock.now = 1000.0 + i / 1000  # 1,000 requests a second for 20 s
        taken += sampler.decide()
    assert 20 + 0.04 * 19_980 < taken < 20 + 0.06 * 19_980


def test_environment_selects_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sampling.ENV, "all")
    assert sampling.from_environment().everything is True
    monkeypatch.setenv(sampling.ENV, "default")
    assert sampling.from_environment().everything is False
    monkeypatch.delenv(sampling.ENV)
    assert sampling.from_environment().everything is False


def _refusing() -> sampling.Sampler:
    return sampling.Sampler(reservoir=0, rate=0.0)


def test_unsampled_gateway_request_tells_the_function_not_to_record() -> None:
    sampling.use(_refusing())
    trace = recorder.gateway_begin(None, traced=True)
    assert trace.sampled is False
    assert trace.answer.endswith(";Sampled=0")
    incoming = recorder.INCOMING.get()
    assert incoming is not None and incoming.sampled is False
    invocation = recorder.lambda_begin("Active")
    assert invocation.sampled is False
    header = parse(invocation.function_header)
    assert header is not None and header.sampled is False
    recorder.INCOMING.set(None)


def test_an_upstream_decision_is_kept_either_way() -> None:
    sampling.use(_refusing())
    root = "1-5759e988-bd862e3fe1be46a994272793"
    assert recorder.gateway_begin(f"Root={root};Sampled=1", traced=True).sampled is True
    sampling.use(sampling.Sampler(everything=True))
    assert recorder.gateway_begin(f"Root={root};Sampled=0", traced=True).sampled is False
    recorder.INCOMING.set(TraceHeader(root, None, False))
    assert recorder.lambda_begin("Active").sampled is False
    recorder.INCOMING.set(None)


def test_active_function_without_a_caller_follows_the_rule() -> None:
    recorder.INCOMING.set(None)
    sampling.use(_refusing())
    assert recorder.lambda_begin("Active").sampled is False
    sampling.use(sampling.Sampler(everything=True))
    assert recorder.lambda_begin("Active").sampled is True
    assert recorder.lambda_begin("PassThrough").sampled is False
