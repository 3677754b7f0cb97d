"""Per-account movement rate limit: the generic cell rate algorithm (GCRA) on one stored number.

The state is the account's theoretical arrival time (`tat`, epoch microseconds) kept on its balance item,
which every movement already reads and writes under a version condition. So the limit is global across
Lambda environments and exact under concurrency, and costs no DynamoDB call and no write unit of its own.
"""

import math
import re
from dataclasses import dataclass

from wallet.errors import RateLimited

_MICROS = 1_000_000
_RATE_PATTERN = r"^\d{1,6}(\.\d{1,6})?$"
MAX_RATE_PER_SECOND = 100_000
MAX_BURST = 1_000_000


class RateLimitSettingError(ValueError):
    """A rate-limit setting is malformed; the message names the setting."""


@dataclass(frozen=True)
class RateLimit:
    """`per_second` movements a second in the long run, `burst` of them at once from rest: over any
    window of t seconds an account commits at most burst + per_second * t movements."""

    per_second: float
    burst: int

    @property
    def interval_us(self) -> int:
        return max(1, round(_MICROS / self.per_second))

    def admit(self, tat_us: int, now_us: int) -> int:
        """The account's next `tat` if one more movement commits now; RateLimited if it would exceed the limit."""
        next_tat = max(tat_us, now_us) + self.interval_us
        excess = next_tat - now_us - self.burst * self.interval_us
        if excess > 0:
            raise RateLimited(
                f"Too many movements on this account: the limit is {self.per_second:g} a second "
                f"(bursts of {self.burst}); retry later with the same idempotency key.",
                retry_after_seconds=max(1, math.ceil(excess / _MICROS)),
            )
        return next_tat


def parse_rate_limit(rate: str | None, burst: str | None, rate_name: str, burst_name: str) -> RateLimit | None:
    """None when both are unset (no limit); the burst defaults to one second's worth of the rate.
    Anything else malformed raises RateLimitSettingError naming the setting."""
    rate, burst = (rate or "").strip(), (burst or "").strip()
    if not rate:
        if burst:
            raise RateLimitSettingError(f"{burst_name} is set but {rate_name} is not")
        return None
    if not re.fullmatch(_RATE_PATTERN, rate) or not 0 < float(rate) <= MAX_RATE_PER_SECOND:
        raise RateLimitSettingError(
            f"{rate_name} must be a number of movements a second above 0 and at most {MAX_RATE_PER_SECOND}, "
            f"not {rate!r}"
        )
    per_second = float(rate)
    if not burst:
        return RateLimit(per_second, max(1, math.ceil(per_second)))
    if not re.fullmatch(r"^\d{1,7}$", burst) or not 1 <= int(burst) <= MAX_BURST:
        raise RateLimitSettingError(f"{burst_name} must be a whole number from 1 to {MAX_BURST}, not {burst!r}")
    return RateLimit(per_second, int(burst))
