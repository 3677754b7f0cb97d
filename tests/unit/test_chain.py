"""The hash chain's encoding (as docs/verifying.md documents it), the Merkle digest and its inclusion proofs."""

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from api.read_schemas import HistoryItem
from wallet.chain import (
    GENESIS_HASH,
    Digest,
    Head,
    chained,
    entry_hash,
    inclusion_proof,
    merkle_root,
    previous_hash,
    root_from_proof,
    start_hash,
)
from wallet.models import Account, EntryType, LedgerEntry

VERIFYING_PAGE = Path(__file__).resolve().parents[2] / "docs" / "verifying.md"


def verifying_page_snippet() -> dict[str, Any]:
    """docs/verifying.md's Python snippet that recomputes a chain from the history route, as code."""
    text = VERIFYING_PAGE.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace


def entry(sequence: int, amount: int, balance_after: int, **changes: Any) -> LedgerEntry:
    base = LedgerEntry(
        transaction_id=f"t{sequence}",
        idempotent_key=f"k{sequence}",
        user_id="alice",
        currency="USD",
        scale=2,
        type=EntryType.CREDIT,
        amount_minor=amount,
        balance_after_minor=balance_after,
        sequence=sequence,
        created_at=f"2026-12-07T00:00:0{sequence}.000Z",
        counterparty="treasury",
        description="café ✓" if sequence == 2 else None,
        metadata={"ü": "1", "a": "2"} if sequence == 3 else None,
    )
    return replace(base, **changes)


def chain_of(*entries: LedgerEntry) -> list[LedgerEntry]:
    chained_entries, previous = [], GENESIS_HASH
    for item in entries:
        item = chained(item, previous)
        chained_entries.append(item)
        previous = item.hash or ""
    return chained_entries


def test_the_verifying_page_snippet_recomputes_every_hash_from_the_history_items():
    snippet = verifying_page_snippet()
    entries = chain_of(entry(1, 500, 10500), entry(2, 250, 10750), entry(3, 100, 10850))

    previous = GENESIS_HASH
    for item in entries:
        shown = HistoryItem.from_entry(item).model_dump()
        assert shown["previousHash"] == previous
        assert snippet["entry_hash"](shown, previous) == shown["hash"] == item.hash
        previous = item.hash or ""


def test_the_first_entry_chains_to_64_zeros_and_each_next_to_the_one_before():
    first, second = chain_of(entry(1, 500, 10500), entry(2, 250, 10750))

    assert first.previous_hash == "0" * 64
    assert second.previous_hash == first.hash
    assert re.fullmatch(r"[0-9a-f]{64}", second.hash or "")


@pytest.mark.parametrize(
    "change",
    [
        {"amount_minor": 501},
        {"balance_after_minor": 10501},
        {"sequence": 2},
        {"created_at": "2026-12-07T00:00:02.000Z"},
        {"transaction_id": "other"},
        {"idempotent_key": "other"},
        {"counterparty": "promotions"},
        {"type": EntryType.DEBIT},
        {"description": "x"},
        {"metadata": {"a": "b"}},
        {"hold_id": "h1"},
        {"reversal_of": "t0"},
        {"transfer_id": "t1"},
        {"user_id": "bob"},
        {"currency": "EUR"},
    ],
)
def test_every_field_of_an_entry_changes_its_hash(change):
    original = entry(1, 500, 10500)

    assert entry_hash(replace(original, **change), GENESIS_HASH) != entry_hash(original, GENESIS_HASH)
    assert entry_hash(original, "1" * 64) != entry_hash(original, GENESIS_HASH)


def test_an_account_chains_from_its_head_or_from_its_state_when_its_entries_predate_the_chain():
    fresh = Account("alice", "USD", 10000, version=0)
    chained_account = Account("alice", "USD", 10500, version=1, entry_count=1, head_hash="ab" * 32)
    legacy = Account("alice", "USD", 10750, version=2, entry_count=2)

    assert previous_hash(fresh, 2) == GENESIS_HASH
    assert previous_hash(chained_account, 2) == "ab" * 32
    assert previous_hash(legacy, 2) == start_hash("alice", "USD", 2, "107.50") != GENESIS_HASH


def heads(count: int) -> list[Head]:
    return [Head(f"user-{n:03d}", "USD", n + 1, f"{n:064x}") for n in range(count)]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_every_head_has_an_inclusion_proof_that_leads_to_the_root(count):
    every = heads(count)
    root = merkle_root(every)

    for head in every:
        assert root_from_proof(head, inclusion_proof(every, head)) == root
    assert root_from_proof(replace(every[0], sequence=99), inclusion_proof(every, every[0])) != root


def test_the_root_depends_on_every_head_and_not_on_their_order():
    every = heads(5)

    assert merkle_root(list(reversed(every))) == merkle_root(every)
    assert merkle_root([*every[:4], replace(every[4], hash="f" * 64)]) != merkle_root(every)
    assert merkle_root([]) == GENESIS_HASH


def test_a_digest_round_trips_through_its_json():
    digest = Digest.of(heads(3), "2026-12-07T00:00:00.000Z")

    assert Digest.from_json(digest.to_json()) == digest
    assert digest.to_json()["entries"] == 1 + 2 + 3
