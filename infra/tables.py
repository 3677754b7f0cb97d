"""The one definition of the table schemas, read by the CDK stack, the local run and the tests.

Plain Python (no CDK import) so the local tools can use it without loading aws-cdk-lib. Attribute and
index names the code writes come from wallet.repository, the one place that knows the item layout.
"""

from dataclasses import dataclass
from typing import Any

from wallet.repository import items as layout


@dataclass(frozen=True)
class IndexSchema:
    """A global secondary index with string keys."""

    name: str
    partition_key: str
    sort_key: str | None = None
    projection: str = "ALL"  # or "KEYS_ONLY"


@dataclass(frozen=True)
class TableSchema:
    default_name: str  # the name used locally; CloudFormation names the deployed tables
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None
    indexes: tuple[IndexSchema, ...] = ()
    stream_view: str | None = None  # DynamoDB stream view type, if the table has a stream


# Ledger entries by time: timeKey = USER#<userId>#<ccy>, timeSort = <createdAt>#<seq:012d>. Point-in-time
# balances and history windows read it; entries are its only items (sparse).
BY_TIME_INDEX = IndexSchema(name=layout.BY_TIME_INDEX, partition_key=layout.TIME_KEY, sort_key=layout.TIME_SORT)
# Applied key records by the id of their movement (movementId): a reversal finds the movement it reverses.
BY_MOVEMENT_INDEX = IndexSchema(name=layout.BY_MOVEMENT_INDEX, partition_key=layout.MOVEMENT_ID, projection="KEYS_ONLY")
# Holds still stored as pending, by expiry: pendingShard = PENDING#<n> (n from the hold id, so no index
# partition takes every hold write), pendingDue = <expiresAtMs:015d>. A hold leaves it when it ends
# (sparse): the nightly sweep queries each shard for the overdue ones instead of scanning the table.
PENDING_HOLDS_INDEX = IndexSchema(
    name=layout.PENDING_HOLDS_INDEX, partition_key=layout.PENDING_SHARD, sort_key=layout.PENDING_DUE
)
WALLET_TABLE = TableSchema(
    default_name="Wallet",
    partition_key="PK",
    sort_key="SK",
    indexes=(BY_TIME_INDEX, BY_MOVEMENT_INDEX, PENDING_HOLDS_INDEX),
    stream_view="NEW_IMAGE",  # movement events are built from new key records (wallet.events)
    ttl_attribute="expiresAt",  # only a hot account's queue items carry it (wallet.repository.hot)
)
IDEMPOTENCY_TABLE = TableSchema(default_name="WalletIdempotency", partition_key="id", ttl_attribute="expiration")
TABLES = (WALLET_TABLE, IDEMPOTENCY_TABLE)


def create_table_request(schema: TableSchema, table_name: str) -> dict[str, Any]:
    """boto3 create_table arguments: string keys, on-demand billing."""
    keys = [(schema.partition_key, "HASH")] + ([(schema.sort_key, "RANGE")] if schema.sort_key else [])
    index_keys = [name for index in schema.indexes for name in _keys(index)]
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in [k for k, _ in keys] + index_keys
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if schema.stream_view:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": schema.stream_view}
    if schema.indexes:
        request["GlobalSecondaryIndexes"] = [_index_request(index) for index in schema.indexes]
    return request


def _keys(index: IndexSchema) -> list[str]:
    return [index.partition_key] + ([index.sort_key] if index.sort_key else [])


def _index_request(index: IndexSchema) -> dict[str, Any]:
    kinds = ["HASH", "RANGE"]
    return {
        "IndexName": index.name,
        "KeySchema": [
            {"AttributeName": name, "KeyType": kind} for name, kind in zip(_keys(index), kinds, strict=False)
        ],
        "Projection": {"ProjectionType": index.projection},
    }


def ensure_tables(client: Any, names: dict[TableSchema, str] | None = None) -> None:
    """Create the tables that are missing (with TTL where the schema has it) and wait until active."""
    names = names or {schema: schema.default_name for schema in TABLES}
    existing = set(client.list_tables()["TableNames"])
    for schema, table_name in names.items():
        if table_name in existing:
            _add_missing_indexes(client, schema, table_name)
            _enable_missing_stream(client, schema, table_name)
            continue
        client.create_table(**create_table_request(schema, table_name))
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        if schema.ttl_attribute:
            client.update_time_to_live(
                TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": schema.ttl_attribute}
            )


def _add_missing_indexes(client: Any, schema: TableSchema, table_name: str) -> None:
    """A table kept from an older version (make run's .dynamodb/) gains the indexes added since."""
    present = {
        index["IndexName"]
        for index in client.describe_table(TableName=table_name)["Table"].get("GlobalSecondaryIndexes", [])
    }
    for index in schema.indexes:
        if index.name in present:
            continue
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in _keys(index)],
            GlobalSecondaryIndexUpdates=[{"Create": _index_request(index)}],
        )


def _enable_missing_stream(client: Any, schema: TableSchema, table_name: str) -> None:
    if not schema.stream_view:
        return
    if client.describe_table(TableName=table_name)["Table"].get("StreamSpecification", {}).get("StreamEnabled"):
        return
    client.update_table(
        TableName=table_name, StreamSpecification={"StreamEnabled": True, "StreamViewType": schema.stream_view}
    )
