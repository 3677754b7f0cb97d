"""The one place AWS clients are built. Endpoints follow AWS_ENDPOINT_URL_DYNAMODB when it is set.

Clients are built on first use, never at import, so a SnapStart snapshot (taken after import) holds no
connection and no credentials; after a restore the caches are cleared anyway, in case an init did build one.
"""

import json
from functools import lru_cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.parsers import ResponseParserFactory

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


_WIRE_READS = ("ScanOutput", "QueryOutput", "BatchGetItemOutput")


class _WireItems:
    """A successful read's answer decoded by json.loads: DynamoDB's wire format already is the low-level client's
    shape (attribute values as {"S": ...}, numbers as text; the Wallet table holds no binary attribute, which
    botocore would decode), and botocore's shape-walking parser takes about 150 µs an item, as long as DynamoDB
    Local takes to serve it. Anything else goes to botocore's parser."""

    def __init__(self, parser: Any):
        self._parser = parser

    def parse(self, response: dict[str, Any], shape: Any) -> dict[str, Any]:
        if response["status_code"] == 200 and shape is not None and shape.name in _WIRE_READS:
            parsed: dict[str, Any] = json.loads(response["body"])
            parsed["ResponseMetadata"] = {"HTTPStatusCode": 200, "HTTPHeaders": response["headers"]}
            return parsed
        return self._parser.parse(response, shape)  # type: ignore[no-any-return]


class _WireItemsFactory(ResponseParserFactory):
    def create_parser(self, protocol_name: str) -> Any:
        return _WireItems(super().create_parser(protocol_name))


@lru_cache(maxsize=1)
def dynamodb_scan_client() -> Any:
    """A DynamoDB client for whole-ledger reads (make verify): Scan, Query and BatchGetItem answers skip
    botocore's parser. Everything else it does is the same as dynamodb_client()'s."""
    session = botocore.session.get_session()
    session.register_component("response_parser_factory", _WireItemsFactory())
    return boto3.session.Session(botocore_session=session).client("dynamodb", config=_CLIENT_CONFIG)


def forget_clients() -> None:
    for cached in (dynamodb_client, events_client, s3_client, dynamodb_scan_client):
        cached.cache_clear()


try:  # present in Lambda's Python runtimes that support SnapStart (3.12+)
    from snapshot_restore_py import register_after_restore
except ImportError:  # pragma: no cover - outside Lambda, without the test dependency
    pass
else:
    register_after_restore(forget_clients)
