"""The contention simulator answers as real DynamoDB does: conflicts on items held by a transaction in
flight, at the right index; single-item writes refused; reads allowed; partitions throttled past their
units. (Its own behaviour is what every contention claim rests on, so it is tested directly.)"""

import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.tables import WALLET_TABLE, ensure_tables
from local.contention import AwsTimes, ContentionSimulator, ContentionState
from local.dynamodb_local import free_port
from tests.support import unique

TABLE = "SimulatorProbe"  # a table of its own: these raw items are not ledger items
NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture(scope="module", autouse=True)
def probe_table(dynamodb_local):
    from wallet.aws import dynamodb_client

    ensure_tables(dynamodb_client(), {WALLET_TABLE: TABLE})
    yield
    dynamodb_client().delete_table(TableName=TABLE)


@pytest.fixture
def slow_simulator(dynamodb_local):
    """Every call takes 300 ms, so a transaction holds its items long enough to be overlapped."""
    simulator = ContentionSimulator(dynamodb_local.endpoint, free_port(), latency_ms=300).start()
    yield simulator
    simulator.stop()


def client_for(simulator):
    return boto3.client("dynamodb", endpoint_url=simulator.endpoint, config=NO_RETRIES)


def put(pk, sk="X"):
    return {"Put": {"TableName": TABLE, "Item": {"PK": {"S": pk}, "SK": {"S": sk}}}}


def in_background(call):
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("result", call()))
    thread.start()
    time.sleep(0.1)  # the call is now in flight, holding its items
    return thread, outcome


def error_of(call):
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def test_a_transaction_on_a_held_item_is_cancelled_with_the_conflict_at_its_index(slow_simulator):
    client, shared, other = client_for(slow_simulator), f"USER#{unique('s')}", f"USER#{unique('o')}"
    thread, first = in_background(lambda: client.transact_write_items(TransactItems=[put(shared)]))

    response = error_of(lambda: client.transact_write_items(TransactItems=[put(other), put(shared)]))
    thread.join()

    assert response["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in response["CancellationReasons"]] == ["None", "TransactionConflict"]
    assert "ResponseMetadata" in first["result"]  # the first transaction committed
    assert "Item" not in client.get_item(TableName=TABLE, Key={"PK": {"S": other}, "SK": {"S": "X"}})
    assert slow_simulator.state.snapshot()["conflicts_on_USER"] == 1


def test_a_single_write_on_a_held_item_conflicts_and_a_read_does_not(slow_simulator):
    client, shared = client_for(slow_simulator), f"SYSTEM#{unique('s')}"
    thread, _ = in_background(lambda: client.transact_write_items(TransactItems=[put(shared)]))

    response = error_of(lambda: client.put_item(TableName=TABLE, Item={"PK": {"S": shared}, "SK": {"S": "X"}}))
    read = client.get_item(TableName=TABLE, Key={"PK": {"S": shared}, "SK": {"S": "X"}})
    thread.join()

    assert response["Error"]["Code"] == "TransactionConflictException"
    assert "ResponseMetadata" in read
    assert slow_simulator.state.snapshot()["single_write_conflicts"] == 1


def test_items_are_released_when_the_transaction_ends(slow_simulator):
    client, item = client_for(slow_simulator), f"USER#{unique('r')}"
    client.transact_write_items(TransactItems=[put(item)])
    client.transact_write_items(TransactItems=[put(item, "Y"), put(item)])  # same item again: no conflict
    assert slow_simulator.state.snapshot().get("transaction_conflicts", 0) == 0


def test_a_partition_past_its_write_units_is_throttled(dynamodb_local):
    one_second = ContentionState(write_units=10, clock=lambda: 1000.0)  # every call falls in the same second
    simulator = ContentionSimulator(dynamodb_local.endpoint, free_port(), 0, one_second).start()
    client, partition = client_for(simulator), f"USER#{unique('t')}"
    try:
        for number in range(5):  # 5 transactional one-item writes: 2 units each, 10 in all
            client.transact_write_items(TransactItems=[put(partition, f"S{number}")])
        in_transaction = error_of(lambda: client.transact_write_items(TransactItems=[put(partition, "S9")]))
        single = error_of(lambda: client.put_item(TableName=TABLE, Item={"PK": {"S": partition}, "SK": {"S": "P"}}))
        other_partition = client.put_item(TableName=TABLE, Item={"PK": {"S": f"USER#{unique('t')}"}, "SK": {"S": "P"}})
    finally:
        simulator.stop()

    assert [reason["Code"] for reason in in_transaction["CancellationReasons"]] == ["ThrottlingError"]
    assert single["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert "ResponseMetadata" in other_partition


def test_calls_take_aws_times_by_kind_and_a_transaction_holds_its_items_for_all_of_its_time(dynamodb_local):
    """Times scaled up 20-fold so that the lower bounds hold on a busy machine; only lower bounds are checked
    (a sleep can overrun, never underrun)."""
    scaled = AwsTimes(read_ms=100, write_ms=150, transaction_ms=250, transaction_item_ms=50)
    simulator = ContentionSimulator(dynamodb_local.endpoint, free_port(), times=scaled).start()
    client, item = client_for(simulator), f"USER#{unique('timed')}"

    def timed(call) -> float:
        started = time.monotonic()
        call()
        return time.monotonic() - started

    try:
        three = [put(item), put(f"{item}-2"), put(f"{item}-3")]
        assert timed(lambda: client.transact_write_items(TransactItems=three)) >= 0.4  # 250 + 3 x 50 ms
        assert timed(lambda: client.put_item(TableName=TABLE, Item=three[0]["Put"]["Item"])) >= 0.15
        assert timed(lambda: client.get_item(TableName=TABLE, Key={"PK": {"S": item}, "SK": {"S": "X"}})) >= 0.1
        thread, _ = in_background(lambda: client.transact_write_items(TransactItems=three))
        time.sleep(0.2)  # 0.3 s into a 0.4 s transaction: its items are still held
        refused = error_of(lambda: client.put_item(TableName=TABLE, Item=three[2]["Put"]["Item"]))
        thread.join()
        assert refused["Error"]["Code"] == "TransactionConflictException"
    finally:
        simulator.stop()


def test_aws_times_by_operation():
    times = AwsTimes()
    # The published medians of a 5-item and a 25-item transaction, and the line through them.
    assert times.seconds("TransactWriteItems", 5) == pytest.approx(0.0253)
    assert times.seconds("TransactWriteItems", 25) == pytest.approx(0.0321)
    assert times.seconds("TransactWriteItems", 100) == pytest.approx(0.0576)
    assert (times.seconds("PutItem"), times.seconds("GetItem"), times.seconds("Query")) == (0.0075, 0.005, 0.005)
    assert AwsTimes.flat(5).seconds("TransactWriteItems", 20) == 0.005
