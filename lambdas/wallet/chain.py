"""The hash chain of every user account and asset, and the ledger digest over every chain's head.

Each ledger entry carries `sequence` (1, 2, 3... per account and asset), `previousHash` and `hash`:

    hash = sha256(canonical_json(fields).encode("utf-8")).hexdigest()

where fields is the entry as GET /users/{id}/transactions shows it (ENTRY_FIELDS, amounts as exact
decimal strings at the asset's scale) plus "chain": 1 and "previousHash". canonical_json sorts keys,
uses no whitespace and writes non-ASCII characters as themselves (RFC 8785 for these value types).
The first entry's previousHash is 64 zeros. An account whose entries were written before the chain
existed starts its chain from its state then (start_hash). No AWS here: the service builds entries with
their hash, `make verify` recomputes them.
"""

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from wallet.models import Account, LedgerEntry, canonical_json
from wallet.money import format_amount

CHAIN_VERSION = 1
GENESIS_HASH = "0" * 64
# The fields of an entry that its hash covers, by their names on the wire (history, events).
ENTRY_FIELDS = (
    "transactionId",
    "idempotentKey",
    "userId",
    "currency",
    "type",
    "amount",
    "balanceAfter",
    "sequence",
    "createdAt",
    "counterparty",
    "transferId",
    "reversalOf",
    "holdId",
    "description",
    "metadata",
)


def entry_fields(entry: LedgerEntry) -> dict[str, Any]:
    """The entry's hashed fields, as the API shows them."""
    return {
        "transactionId": entry.transaction_id,
        "idempotentKey": entry.idempotent_key,
        "userId": entry.user_id,
        "currency": entry.currency,
        "type": entry.type.value,
        "amount": format_amount(entry.amount_minor, entry.scale),
        "balanceAfter": format_amount(entry.balance_after_minor, entry.scale),
        "sequence": entry.sequence,
        "createdAt": entry.created_at,
        "counterparty": entry.counterparty,
        "transferId": entry.transfer_id,
        "reversalOf": entry.reversal_of,
        "holdId": entry.hold_id,
        "description": entry.description,
        "metadata": entry.metadata,
    }


def hash_fields(fields: dict[str, Any], previous_hash: str) -> str:
    document = {**{name: fields.get(name) for name in ENTRY_FIELDS}, "chain": CHAIN_VERSION}
    document["previousHash"] = previous_hash
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def entry_hash(entry: LedgerEntry, previous_hash: str) -> str:
    return hash_fields(entry_fields(entry), previous_hash)


def start_hash(user_id: str, currency: str, sequence: int, balance_after: str) -> str:
    """Where the chain of an account written before chains existed starts: its state after its last
    unchained entry (sequence, balance), so the chain also binds the balance it started from."""
    document = {
        "chain": CHAIN_VERSION,
        "start": {"userId": user_id, "currency": currency, "sequence": sequence, "balanceAfter": balance_after},
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def previous_hash(account: Account, scale: int) -> str:
    """The hash the account's next entry chains to."""
    if account.head_hash is not None:
        return account.head_hash
    if account.entries == 0:
        return GENESIS_HASH
    # Entries written before the chain: it starts here, from the account's current state.
    return start_hash(account.user_id, account.currency, account.entries, format_amount(account.balance_minor, scale))


def chained(entry: LedgerEntry, previous: str) -> LedgerEntry:
    return replace(entry, previous_hash=previous, hash=entry_hash(entry, previous))


# ---------------------------------------------------------------- the ledger digest


@dataclass(frozen=True)
class Head:
    """An account's chain as far as it has gone: its last entry's sequence and hash."""

    user_id: str
    currency: str
    sequence: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"userId": self.user_id, "currency": self.currency, "sequence": self.sequence, "hash": self.hash}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Head":
        return cls(value["userId"], value["currency"], int(value["sequence"]), value["hash"])

    @classmethod
    def of(cls, account: Account) -> "Head | None":
        """The account's head, if it has a chain (a chained entry, or a chain started from its state)."""
        if account.head_hash is None or account.entries == 0:
            return None
        return cls(account.user_id, account.currency, account.entries, account.head_hash)


def _leaf(head: Head) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_json(head.to_json()).encode("utf-8")).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(heads: list[Head]) -> str:
    """The root of a Merkle tree (RFC 6962's shape: leaves and nodes hashed apart, an odd node carried up)
    over the heads sorted by account and asset; 64 zeros for no heads."""
    level = [_leaf(head) for head in sorted(heads, key=lambda head: (head.user_id, head.currency))]
    if not level:
        return GENESIS_HASH
    while len(level) > 1:
        paired = [_node(level[index], level[index + 1]) for index in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


def inclusion_proof(heads: list[Head], head: Head) -> list[tuple[str, str]]:
    """The sibling hashes (side, hex) that lead from one head's leaf to the root."""
    ordered = sorted(heads, key=lambda item: (item.user_id, item.currency))
    index = ordered.index(head)
    level = [_leaf(item) for item in ordered]
    proof: list[tuple[str, str]] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("left" if sibling < index else "right", level[sibling].hex()))
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
        index //= 2
    return proof


def root_from_proof(head: Head, proof: list[tuple[str, str]]) -> str:
    value = _leaf(head)
    for side, sibling in proof:
        value = _node(bytes.fromhex(sibling), value) if side == "left" else _node(value, bytes.fromhex(sibling))
    return value.hex()


@dataclass(frozen=True)
class Digest:
    """One ledger digest: every account's head at the time it was taken, and their Merkle root."""

    created_at: str
    root: str
    heads: tuple[Head, ...]

    @property
    def entries(self) -> int:
        return sum(head.sequence for head in self.heads)

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": CHAIN_VERSION,
            "createdAt": self.created_at,
            "root": self.root,
            "accounts": len(self.heads),
            "entries": self.entries,
            "heads": [head.to_json() for head in self.heads],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Digest":
        return cls(value["createdAt"], value["root"], tuple(Head.from_json(head) for head in value["heads"]))

    @classmethod
    def of(cls, heads: list[Head], created_at: str) -> "Digest":
        ordered = tuple(sorted(heads, key=lambda head: (head.user_id, head.currency)))
        return cls(created_at, merkle_root(list(ordered)), ordered)
