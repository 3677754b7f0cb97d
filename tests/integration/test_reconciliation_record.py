"""The last reconciliation's outcome, kept for GET /reconciliation (the console's books check)."""

import boto3
import pytest

import wallet
from handlers import system_accounts
from handlers.reconcile import run_reconciliation
from infra.tables import WALLET_TABLE, ensure_tables
from tests.support import invoke, system_event, unique
from wallet.aws import _CLIENT_CONFIG
from wallet.errors import NotFound
from wallet.repository import WalletRepository
from wallet.service import WalletService
from wallet.settings import get_settings


@pytest.fixture
def own_table():
    client = boto3.session.Session().client("dynamodb", config=_CLIENT_CONFIG)
    name = f"Books{unique('t').replace('-', '')}"
    ensure_tables(client, {WALLET_TABLE: name})
    yield client, name, WalletService(WalletRepository(client, name), get_settings())
    client.delete_table(TableName=name)


def test_before_any_run_there_is_no_record(own_table):
    _, _, service = own_table

    with pytest.raises(NotFound):
        service.last_reconciliation()


def test_a_clean_run_records_each_asset_summing_to_zero(own_table):
    _, _, service = own_table
    user = unique("u")
    service.transact(unique("k"), user, "12.34", "credit")
    service.transact(unique("k"), user, "7", "credit", currency="GOLD")

    run_reconciliation(service, live=False, fold=False)
    record = service.last_reconciliation()

    assert record["clean"] is True and record["differenceCount"] == 0 and record["differences"] == []
    assert {total["currency"]: total["sum"] for total in record["totals"]} == {
        "USD": "0.00",
        "EUR": "0.00",
        "GOLD": "0",
    }
    assert record["items"] > 0 and record["ranAt"].endswith("Z")


def test_a_difference_is_recorded_in_words(own_table):
    client, table, service = own_table
    user = unique("u")
    service.transact(unique("k"), user, "5.00", "credit")
    client.update_item(  # money out of nowhere: the balance no longer follows its entries
        TableName=table,
        Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": "BALANCE#USD"}},
        UpdateExpression="ADD balanceMinor :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )

    run_reconciliation(service, live=False, fold=False)
    record = service.last_reconciliation()

    assert record["clean"] is False and record["differenceCount"] >= 1
    assert any(user in difference for difference in record["differences"])
    assert {total["currency"]: total["sum"] for total in record["totals"]}["USD"] == "0.01"
    client.update_item(  # put it back: the books balance again for the runs that follow
        TableName=table,
        Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": "BALANCE#USD"}},
        UpdateExpression="ADD balanceMinor :minus",
        ExpressionAttributeValues={":minus": {"N": "-1"}},
    )


def test_the_route_answers_the_last_run():
    run_reconciliation(wallet.default_service(), live=False, fold=False)

    answer = invoke(system_accounts, system_event("reconciliation"))

    assert answer.status == 200, answer.body
    assert answer.body["clean"] is True
    assert [total["sum"] for total in answer.body["totals"]] == ["0.00", "0", "0.00"]
