"""Lambda's concurrency rules: what AWS throttles, and nothing else.

Copied from https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html and
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html:

* an account has one concurrency limit per Region (default 1,000), shared by its functions;
* a function with reserved concurrency (`ReservedConcurrentExecutions`) may run at most that
  many invocations at once, across all its versions and aliases, and those are taken out of
  the account's pool: the *unreserved* pool is the account limit minus every reservation;
* reservations must leave at least 100 unreserved
  (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html);
* reserved concurrency 0 throttles every invocation (how a function is switched off);
* a throttle is a 429 TooManyRequestsException whose `Reason` says which limit was hit:
  `ReservedFunctionConcurrentInvocationLimitExceeded` or `ConcurrentInvocationLimitExceeded`
  (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors).

Not copied: provisioned concurrency (pre-initialised environments billed by the hour,
https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html) and the scaling
rate (1,000 environments per 10 s): neither changes whether a local invocation succeeds.
How many invocations this machine runs at once is a separate, local bound (capacity.py):
exceeding it queues, it never throttles.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from stratus.local.core.contracts import TooManyRequestsError

DEFAULT_ACCOUNT_LIMIT = 1000
UNRESERVED_MINIMUM = 100
RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"


class FunctionThrottledError(TooManyRequestsError):
    def __init__(self, function: str, reason: str) -> None:
        super().__init__(f"Rate Exceeded. ({function}: {reason})")
        self.reason = reason  # Lambda's 'Reason' field


class ReservationError(ValueError):
    """A reservation AWS refuses (PutFunctionConcurrency: InvalidParameterValueException)."""


@dataclass(eq=False)
class FunctionConcurrency:
    """One function's count of running invocations (all versions together) and reservation."""

    name: str
    reserved: int | None = None
    busy: int = 0


@dataclass(eq=False)
class Lease:
    """One running invocation's share of the account; give it back with `release`."""

    function: FunctionConcurrency
    unreserved: bool  # counted against the unreserved pool (not the function's reservation)
    released: bool = False


@dataclass
class AccountConcurrency:
    """The account's concurrency: per-function reservations and the unreserved pool."""

    limit: int = DEFAULT_ACCOUNT_LIMIT
    unreserved_busy: int = 0
    _functions: dict[str, FunctionConcurrency] = field(default_factory=dict)
    _freed: asyncio.Event | None = None

    def function(self, name: str) -> FunctionConcurrency:
        found = self._functions.get(name)
        if found is None:
            found = self._functions[name] = FunctionConcurrency(name)
        return found

    @property
    def reserved_total(self) -> int:
        return sum(f.reserved or 0 for f in self._functions.values())

    @property
    def unreserved_limit(self) -> int:
        """What GetAccountSettings calls UnreservedConcurrentExecutions."""
        return self.limit - self.reserved_total

    def reserve(self, name: str, reserved: int | None) -> FunctionConcurrency:
        """Set (or clear, with None) a function's reservation, as PutFunctionConcurrency does."""
        fc = self.function(name)
        if reserved is not None:
            if reserved < 0:
                raise ReservationError(f"{name}: ReservedConcurrentExecutions must be >= 0")
            others = self.reserved_total - (fc.reserved or 0)
            if self.limit - others - reserved < UNRESERVED_MINIMUM:
                # Lambda's own message for this refusal.
                raise ReservationError(
                    f"{name}: Specified ReservedConcurrentExecutions for function decreases "
                    "account's UnreservedConcurrentExecution below its minimum value of "
                    f"[{UNRESERVED_MINIMUM}] (account limit {self.limit}, already reserved "
                    f"{others})."
                )
        fc.reserved = reserved
        return fc

    def acquire(self, fc: FunctionConcurrency) -> Lease:
        """Count one more running invocation of `fc`, or throttle as Lambda would."""
        if fc.reserved is not None:
            if fc.busy >= fc.reserved:
                raise FunctionThrottledError(fc.name, RESERVED_LIMIT)
            fc.busy += 1
            return Lease(fc, unreserved=False)
        if self.unreserved_busy >= self.unreserved_limit:
            raise FunctionThrottledError(fc.name, ACCOUNT_LIMIT)
        self.unreserved_busy += 1
        fc.busy += 1
        return Lease(fc, unreserved=True)

    def release(self, lease: Lease) -> None:
        if lease.released:
            return
        lease.released = True
        lease.function.busy -= 1
        if lease.unreserved:
            self.unreserved_busy -= 1
        if self._freed is not None:
            freed, self._freed = self._freed, None
            freed.set()

    async def wait_for_release(self) -> None:
        """Until any invocation ends (throttled Event invocations wait for this, then retry)."""
        if self._freed is None:
            self._freed = asyncio.Event()
        await self._freed.wait()
