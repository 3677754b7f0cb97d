"""The one definition of the table schemas, read by the CDK stack, the local run and the tests.

Plain Python (no CDK import) so the local tools can use it without loading aws-cdk-lib.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TableSchema:
    default_name: str  # the name used locally; CloudFormation names the deployed tables
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None


WALLET_TABLE = TableSchema(default_name="Wallet", partition_key="PK", sort_key="SK")
IDEMPOTENCY_TABLE = TableSchema(default_name="WalletIdempotency", partition_key="id", ttl_attribute="expiration")
TABLES = (WALLET_TABLE, IDEMPOTENCY_TABLE)


def create_table_request(schema: TableSchema, table_name: str) -> dict[str, Any]:
    """boto3 create_table arguments: string keys, on-demand billing."""
    keys = [(schema.partition_key, "HASH")] + ([(schema.sort_key, "RANGE")] if schema.sort_key else [])
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }


def ensure_tables(client: Any, names: dict[TableSchema, str] | None = None) -> None:
    """Create the tables that are missing (with TTL where the schema has it) and wait until active."""
    names = names or {schema: schema.default_name for schema in TABLES}
    existing = set(client.list_tables()["TableNames"])
    for schema, table_name in names.items():
        if table_name in existing:
            continue
        client.create_table(**create_table_request(schema, table_name))
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        if schema.ttl_attribute:
            client.update_time_to_live(
                TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": schema.ttl_attribute}
            )
