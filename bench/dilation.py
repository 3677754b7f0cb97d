"""Time dilation: the benchmark's third mode, where this machine's CPU stops deciding the result.

On 2 cores every client process, DynamoDB Local and the simulator share the CPU, so at 8 clients and more a
row measures how much CPU a movement takes here, not what the design allows on AWS, where each Lambda
execution environment has its own CPU and DynamoDB's own time is what the simulator charges. Dilated by a
factor k, everything that takes time on AWS takes k times as long here:

- every DynamoDB call (the simulator's AWS times times k; a partition's units per second divided by k);
- every client's own CPU: before each DynamoDB call and after each movement, the client sleeps k - 1 times
  the CPU it spent since the last such point, so its CPU counts k times in its latency but, being a sleep,
  takes nothing from the other clients;
- the service's own waits and clocks (retry pauses, the group commit's looks, lease and hot windows): its
  clock runs k times slower, from an epoch every client shares.

As long as the machine is not busy (each row prints the share of the 2 cores it used), the dilated run is
the AWS run slowed down k times: rates are multiplied by k and latencies divided by k to report it. What it
does not model: a Lambda's CPU being faster or slower than this machine's, and network jitter.
"""

import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


class Dilation:
    def __init__(self, factor: float, epoch: float):
        self.factor = factor
        self.epoch = epoch  # wall-clock seconds every process agrees on; dilated time starts there
        self._mark = time.process_time()

    # ---- the service's clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch + (time.time() - self.epoch) / self.factor, UTC)

    def monotonic(self) -> float:
        return time.monotonic() / self.factor

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.factor)

    # ---- the client's CPU

    def begin(self) -> None:
        """From here on the client's CPU counts (not what it spent between rows)."""
        self._mark = time.process_time()

    def stretch_cpu(self, **_: Any) -> None:
        """Sleeps k - 1 times the CPU spent since the last call: the CPU of one Lambda, k times slower."""
        spent = time.process_time() - self._mark
        time.sleep((self.factor - 1) * spent)
        self._mark = time.process_time()

    def install(self, client: Any) -> None:
        """Dilates the service the handlers use (wallet.default_service) and the client's CPU on `client`."""
        import wallet
        from wallet.repository import WalletRepository
        from wallet.service import WalletService
        from wallet.settings import get_settings

        @lru_cache(maxsize=1)
        def dilated_service() -> WalletService:
            settings = get_settings()
            return WalletService(
                WalletRepository(client, settings.wallet_table),
                settings,
                clock=self.now,
                sleep=self.sleep,
                monotonic=self.monotonic,
            )

        wallet.default_service = dilated_service  # type: ignore[assignment]
        client.meta.events.register("before-send.dynamodb.*", self.stretch_cpu)
