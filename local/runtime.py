"""Runs Lambda handlers the way Lambda does: each execution environment is its own process and serves
one invocation at a time.

This is not only fidelity. Powertools' event handler keeps the current event on a class attribute
(BaseRouter.current_event), so two invocations running at once in one process would read each other's
requests. Lambda never does that, and neither does this pool: concurrency comes from processes.
"""

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any

from local.lambda_context import LocalLambdaContext

DEFAULT_TIMEOUT_SECONDS = 10.0


@cache
def _load(handler: str) -> Any:
    import importlib

    module_name, function_name = handler.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), function_name)


def _start_environment(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which shuts the pool down


def _invoke(handler: str, event: dict[str, Any], function_name: str, timeout_seconds: float) -> dict[str, Any]:
    context = LocalLambdaContext(function_name=function_name, timeout_seconds=timeout_seconds)
    return _load(handler)(event, context)  # type: ignore[no-any-return]


class LocalLambda:
    """A pool of execution environments. invoke() blocks until an environment has answered."""

    def __init__(self, environments: int = 4, environment: dict[str, str] | None = None):
        """environment: variables set in every execution environment on top of this process's own."""
        self.environments = environments
        self._pool = ProcessPoolExecutor(
            max_workers=environments,
            mp_context=multiprocessing.get_context("spawn"),  # a clean interpreter, as a cold start is
            initializer=_start_environment,
            initargs=(environment or {},),
        )

    def invoke(
        self,
        handler: str,
        event: dict[str, Any],
        function_name: str = "wallet-local",
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        return self._pool.submit(_invoke, handler, event, function_name, timeout_seconds).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
