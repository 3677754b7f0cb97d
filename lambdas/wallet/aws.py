"""The one place AWS clients are built. Endpoints follow AWS_ENDPOINT_URL_DYNAMODB when it is set.

Clients are built on first use, never at import, so a SnapStart snapshot (taken after import) holds no
connection and no credentials; after a restore the caches are cleared anyway, in case an init did build one.
"""

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=2,
    read_timeout=5,
    # One Lambda invocation uses one connection; local servers and tests share the client across threads.
    max_pool_connections=64,
    parameter_validation=False,
)


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    return boto3.session.Session().client("dynamodb", config=_CLIENT_CONFIG)


@lru_cache(maxsize=1)
def events_client() -> Any:
    return boto3.session.Session().client("events", config=_CLIENT_CONFIG)


@lru_cache(maxsize=1)
def s3_client() -> Any:
    return boto3.session.Session().client("s3", config=_CLIENT_CONFIG)


def forget_clients() -> None:
    for cached in (dynamodb_client, events_client, s3_client):
        cached.cache_clear()


try:  # present in Lambda's Python runtimes that support SnapStart (3.12+)
    from snapshot_restore_py import register_after_restore
except ImportError:  # pragma: no cover - outside Lambda, without the test dependency
    pass
else:
    register_after_restore(forget_clients)
