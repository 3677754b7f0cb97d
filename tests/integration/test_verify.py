"""`make verify` on a table tampered with straight in DynamoDB Local: every kind of rewrite is named, the
consistent rewrite that `make reconcile` passes included; receipts, digests, chains started late."""

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infra.tables import WALLET_TABLE, ensure_tables
from local.dynamodb_local import REPO_ROOT
from local.event_schemas import digest_schema
from tests.support import unique
from wallet.chain import GENESIS_HASH, chained, previous_hash
from wallet.digests import DIGEST_DETAIL_TYPE, FolderAnchor, take_digest
from wallet.reconcile import reconcile
from wallet.repository import WalletRepository, entry_from_item, key_record_from_item
from wallet.repository.items import _key_record_item, entry_item
from wallet.service import WalletService, timestamp, utc_now
from wallet.settings import get_settings


class Ledger:
    """A table of its own with a few users' movements, a digest anchored in a folder of its own."""

    def __init__(self, client: Any, table: str, digests: Path):
        self.client, self.table, self.digests = client, table, digests
        self.service = WalletService(WalletRepository(client, table), get_settings())

    def items(self) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("scan").paginate(TableName=self.table, ConsistentRead=True)
        return list(pages.search("Items"))

    def entries(self, user: str, currency: str = "USD") -> list[dict[str, Any]]:
        found = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}, ":prefix": {"S": f"LEDGER#{currency}#"}},
            ConsistentRead=True,
        )["Items"]
        return sorted(found, key=lambda item: item["SK"]["S"])

    def put(self, item: dict[str, Any]) -> None:
        self.client.put_item(TableName=self.table, Item=item)

    def get(self, pk: str, sk: str) -> dict[str, Any]:
        key = {"PK": {"S": pk}, "SK": {"S": sk}}
        return self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)["Item"]

    def digest(self) -> None:
        take_digest(self.service.chain_heads(), timestamp(utc_now()), FolderAnchor(self.digests), None)

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`make verify` (python -m local.verify) on this table and these digests."""
        environment = {
            **os.environ,
            "WALLET_TABLE_NAME": self.table,
            "WALLET_DIGEST_DIR": str(self.digests),
            "PYTHONPATH": f"lambdas{os.pathsep}.",
        }
        return subprocess.run(
            [sys.executable, "-m", "local.verify", *args],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def ledger(client, tmp_path):
    """alice: a credit, a bonus in GOLD, a debit, a transfer to bob, a reversed debit; bob: a captured hold and a
    pending one. The digest is taken after all of it."""
    table = f"Verify{unique('t').replace('-', '')}"
    ensure_tables(client, {WALLET_TABLE: table})
    books = Ledger(client, table, tmp_path / "digests")
    service = books.service
    service.transact("k1", "alice", "10.00", "credit", description="top-up", metadata={"why": "é ✓"})
    service.transact("k2", "alice", "3", "credit", currency="GOLD", counterparty="promotions")
    service.transact("k3", "alice", "2.50", "debit")
    service.transfer("k4", "alice", "bob", "7.25")
    debit = service.transact("k5", "alice", "1.00", "debit").entry
    service.reverse("k6", debit.transaction_id, "0.40")
    hold = service.place_hold("k7", "bob", "2.00").hold
    service.capture_hold("k8", hold.hold_id, "1.50")
    service.place_hold("k9", "bob", "3.00")
    books.digest()
    yield books
    client.delete_table(TableName=table)


def test_an_untouched_table_verifies_clean_and_every_entry_is_chained(ledger):
    result = ledger.verify()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "history verified" in result.stdout
    assert "accounts: 3, ledger entries: 8" in result.stdout  # alice USD 5, alice GOLD 1, bob USD 2
    entries = ledger.entries("alice")
    assert [int(item["sequence"]["N"]) for item in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["previousHash"]["S"] == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after["previousHash"]["S"] == before["hash"]["S"]
    balance = ledger.get("USER#alice", "BALANCE#USD")
    assert balance["headHash"]["S"] == entries[-1]["hash"]["S"]


def _alice_entry(ledger: Ledger, sequence: int) -> dict[str, Any]:
    return ledger.entries("alice")[sequence - 1]


def change_an_amount(ledger: Ledger) -> None:
    item = _alice_entry(ledger, 3)
    item["amountMinor"] = {"N": "250000"}
    ledger.put(item)


def change_a_balance_after(ledger: Ledger) -> None:
    item = _alice_entry(ledger, 2)
    item["balanceAfterMinor"] = {"N": "99999"}
    ledger.put(item)


def delete_an_entry(ledger: Ledger) -> None:
    item = _alice_entry(ledger, 3)
    ledger.client.delete_item(TableName=ledger.table, Key={"PK": item["PK"], "SK": item["SK"]})


def insert_an_entry(ledger: Ledger) -> None:
    """A seventh entry, hashed by the documented encoding onto the head: the balance item does not know it."""
    last = entry_from_item(_alice_entry(ledger, 5))
    changes = {"sequence": 6, "amount_minor": 100, "balance_after_minor": last.balance_after_minor + 100}
    forged = chained(replace(last, **changes), last.hash or "")
    ledger.put(entry_item(forged))


def swap_two_entries(ledger: Ledger) -> None:
    second, third = _alice_entry(ledger, 2), _alice_entry(ledger, 3)
    ledger.put({**third, "PK": second["PK"], "SK": second["SK"]})
    ledger.put({**second, "PK": third["PK"], "SK": third["SK"]})


def change_a_balance(ledger: Ledger) -> None:
    item = ledger.get("USER#alice", "BALANCE#USD")
    item["balanceMinor"] = {"N": "500000"}
    ledger.put(item)


def change_a_system_leg(ledger: Ledger) -> None:
    credit = _alice_entry(ledger, 1)
    leg = next(
        item
        for item in ledger.items()
        if item["PK"]["S"].startswith("SYSTEM#treasury#USD")
        and item["transactionId"]["S"] == credit["transactionId"]["S"]
        and item["leg"]["S"] == "movement"
    )
    leg["amountMinor"] = {"N": "-100000"}
    ledger.put(leg)


def rewrite_consistently(ledger: Ledger) -> None:
    """alice's first credit becomes 1,000.00 instead of 10.00, with every item that mirrors it: the entry, every
    later balanceAfter, every hash after it (by the documented encoding), the balance and its head, the system
    leg and the key records' copies. `make reconcile` passes this."""
    delta = 100000 - 1000
    rewritten, previous = [], GENESIS_HASH
    for position, item in enumerate(ledger.entries("alice"), start=1):
        entry = entry_from_item(item)
        changes = {"balance_after_minor": entry.balance_after_minor + delta}
        if position == 1:
            changes["amount_minor"] = entry.amount_minor + delta
        entry = chained(replace(entry, **changes), previous)
        previous = entry.hash or ""
        ledger.put(entry_item(entry))
        rewritten.append(entry)
    balance = ledger.get("USER#alice", "BALANCE#USD")
    balance["balanceMinor"] = {"N": str(int(balance["balanceMinor"]["N"]) + delta)}
    balance["headHash"] = {"S": previous}
    ledger.put(balance)
    leg = next(
        item
        for item in ledger.items()
        if item["PK"]["S"].startswith("SYSTEM#treasury#USD")
        and item["transactionId"]["S"] == rewritten[0].transaction_id
        and item["leg"]["S"] == "movement"
    )
    leg["amountMinor"] = {"N": str(int(leg["amountMinor"]["N"]) - delta)}
    ledger.put(leg)
    for entry in rewritten:
        item = ledger.get(f"TXKEY#{entry.idempotent_key}", "TXKEY")
        record = key_record_from_item(item)
        copies = tuple(entry if copy.user_id == "alice" else copy for copy in record.entries)
        ledger.put({**item, "entries": _key_record_item(replace(record, entries=copies))["entries"]})


@pytest.mark.parametrize(
    ("tamper", "sequence", "transaction_of", "expected"),
    [
        (change_an_amount, 3, 3, "entry altered"),
        (change_a_balance_after, 2, 2, "entry altered"),
        (delete_an_entry, 3, None, "entry 3 missing"),
        (insert_an_entry, 6, 5, "balance item counts 5 entries, the ledger ends at 6"),
        (swap_two_entries, 2, 3, "entry stored as sequence 2 says it is 3"),
        (change_a_balance, 5, 5, "balance differs from the last entry"),
        (change_a_system_leg, 1, 1, "its system legs do not mirror its entries (off by -99000 minor units)"),
        (rewrite_consistently, 5, 5, "history rewritten"),
    ],
)
def test_each_kind_of_tampering_is_named_with_its_account_asset_sequence_and_transaction(
    ledger: Ledger, tamper: Callable[[Ledger], None], sequence: int, transaction_of: int | None, expected: str
):
    transaction = _alice_entry(ledger, transaction_of)["transactionId"]["S"] if transaction_of else "-"

    tamper(ledger)
    result = ledger.verify()

    assert result.returncode == 1, result.stdout + result.stderr
    named = f"account alice, asset USD, sequence {sequence}, transaction {transaction}: {expected}"
    assert named in result.stdout, result.stdout
    assert "account alice, asset GOLD" not in result.stdout  # nothing else is blamed


def test_a_consistent_rewrite_passes_reconcile_and_only_the_digest_catches_it(ledger):
    rewrite_consistently(ledger)

    books = reconcile(ledger.items(), get_settings())
    result = ledger.verify()

    assert books.clean, books.summary()
    findings = [line for line in result.stdout.splitlines() if line.startswith("FINDING")]
    assert len(findings) == 1 and "history rewritten" in findings[0], result.stdout
    for path in ledger.digests.glob("*.json"):  # without the digest, nothing else can tell
        path.chmod(0o644)
        path.unlink()
    without_digest = ledger.verify()
    assert without_digest.returncode == 0, without_digest.stdout


def test_a_receipt_is_found_in_its_chain_until_its_entry_is_rewritten(ledger):
    receipt = ledger.service.transact("k10", "bob", "4.00", "credit").entry
    assert receipt.hash is not None
    ledger.digest()

    found = ledger.verify("--receipt", receipt.hash)
    unknown = ledger.verify("--receipt", "ab" * 32)
    item = ledger.entries("bob")[-1]
    item["description"] = {"S": "changed"}
    ledger.put(item)
    changed = ledger.verify("--receipt", receipt.hash)

    assert found.returncode == 0, found.stdout
    assert f"in its chain at account bob, asset USD, sequence {receipt.sequence}" in found.stdout
    assert "anchored by the digest" in found.stdout
    assert unknown.returncode == 1 and "no ledger entry has this hash" in unknown.stdout
    assert changed.returncode == 1 and "its chain has findings" in changed.stdout


def written_before_the_chain(ledger: Ledger, user: str) -> None:
    """The user's USD entries and balance as a release before the chain wrote them: no hashes, no head. The
    digest taken earlier anchored the chain they had, so it goes too."""
    for item in ledger.entries(user):
        del item["previousHash"], item["hash"]
        ledger.put(item)
    ledger.client.update_item(
        TableName=ledger.table,
        Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": "BALANCE#USD"}},
        UpdateExpression="REMOVE headHash",
    )
    for path in ledger.digests.glob("*.json"):
        path.chmod(0o644)
        path.unlink()


def test_accounts_written_before_the_chain_are_named_then_chained_from_their_state(ledger):
    """Entries without hashes (written before chains existed): verify names the account; `make chain` starts its
    chain from its state; its next movement chains on; a digest then anchors it."""
    written_before_the_chain(ledger, "alice")

    unchained = ledger.verify()
    environment = {**os.environ, "WALLET_TABLE_NAME": ledger.table, "PYTHONPATH": f"lambdas{os.pathsep}."}
    started = subprocess.run(
        [sys.executable, "-m", "local.chain"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True
    )
    again = subprocess.run(
        [sys.executable, "-m", "local.chain"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True
    )
    chained_now = ledger.verify()
    head = ledger.get("USER#alice", "BALANCE#USD")["headHash"]["S"]
    after = ledger.service.transact("k11", "alice", "1.00", "credit").entry
    ledger.digest()
    continued = ledger.verify()

    assert unchained.returncode == 1
    assert "account alice, asset USD, sequence -, transaction -: no hash chain yet" in unchained.stdout
    assert "chains started: 1, accounts already chained: 2" in started.stdout, started.stdout + started.stderr
    assert "chains started: 0, accounts already chained: 3" in again.stdout
    assert chained_now.returncode == 0, chained_now.stdout
    assert (after.sequence, after.previous_hash) == (6, head)
    assert continued.returncode == 0, continued.stdout


def test_the_next_movement_of_an_unchained_account_starts_its_chain_from_its_state(ledger):
    written_before_the_chain(ledger, "bob")
    account = ledger.service.repository.get_account("bob", "USD")
    assert account is not None
    expected_previous = previous_hash(account, 2)

    entry = ledger.service.transact("k12", "bob", "1.00", "credit").entry
    result = ledger.verify()

    assert entry.previous_hash == expected_previous != GENESIS_HASH
    assert result.returncode == 0, result.stdout


def test_make_digest_anchors_a_read_only_digest_and_publishes_its_event(ledger, tmp_path):
    events = tmp_path / "events.jsonl"
    environment = {
        **os.environ,
        "WALLET_TABLE_NAME": ledger.table,
        "WALLET_DIGEST_DIR": str(ledger.digests),
        "WALLET_EVENTS_FILE": str(events),
        "PYTHONPATH": f"lambdas{os.pathsep}.",
    }
    result = subprocess.run(
        [sys.executable, "-m", "local.digest"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "3 accounts, 8 entries" in result.stdout
    newest = sorted(ledger.digests.glob("*.json"))[-1]
    assert not os.access(newest, os.W_OK) or os.geteuid() == 0  # read-only (root may write anyway)
    assert newest.stat().st_mode & 0o222 == 0
    digest = json.loads(newest.read_text())
    (line,) = events.read_text().splitlines()
    event = json.loads(line)
    assert event["detail-type"] == DIGEST_DETAIL_TYPE
    assert event["detail"]["root"] == digest["root"] and event["detail"]["location"] == str(newest)
    jsonschema.validate(event["detail"], digest_schema())


def test_operator_commands_without_a_region_say_so_in_one_line():
    environment = {
        name: value for name, value in os.environ.items() if name not in ("AWS_REGION", "AWS_DEFAULT_REGION")
    }
    environment.update(
        {"AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.example.invalid", "PYTHONPATH": f"lambdas{os.pathsep}."}
    )
    window = ["--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"]
    for command, args in (("verify", []), ("digest", []), ("reconcile", []), ("republish", window), ("chain", [])):
        result = subprocess.run(
            [sys.executable, "-m", f"local.{command}", *args],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0, command
        assert result.stderr.strip().splitlines() == [
            "AWS_REGION is not set: say which region the table at https://dynamodb.example.invalid is in "
            "(AWS_REGION=eu-west-1 ...)"
        ], (command, result.stderr)


def test_a_local_endpoint_without_a_region_takes_a_local_one(ledger):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    environment.update(
        {
            "WALLET_TABLE_NAME": ledger.table,
            "WALLET_DIGEST_DIR": str(ledger.digests),
            "PYTHONPATH": f"lambdas{os.pathsep}.",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "local.verify"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_verifying_page_snippet_recomputes_a_chain_from_the_history_route_alone(api_server):
    import urllib.request

    from tests.unit.test_chain import verifying_page_snippet

    user = unique("snippet")
    for n in range(3):
        body = json.dumps({"idempotentKey": unique("k"), "userId": user, "amount": f"{n + 1}.25", "type": "credit"})
        request = urllib.request.Request(
            f"{api_server}/transactions", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            receipt = json.load(answer)["receipts"][0]
    with urllib.request.urlopen(f"{api_server}/users/{user}/balance") as answer:
        head = json.load(answer)["head"]

    recomputed = verifying_page_snippet()["chain_head"](api_server, user)

    assert recomputed == head["hash"] == receipt["hash"]
    assert head["sequence"] == receipt["sequence"] == 3
