"""Schemathesis hooks: the rules docs/openapi.json states in words because JSON Schema cannot say them.

A request the document calls valid must then be one the service accepts, so the schema-valid requests
Schemathesis draws are made to follow these rules too, as a real client's would:
- an idempotency key is new for every new request (a key already used with another body is 422 by
  contract), and given in the body or the Idempotency-Key header, the same in both if in both;
- a transfer or a posting goes from one account to another one, and a postings request names at most
  MAX_POSTING_ACCOUNTS users;
- a page cursor is one the service returned (the document's links pass them on);
- metadata is at most METADATA_MAX_BYTES as JSON;
- a capture's or a reversal's amount has the scale of the asset of the hold or movement it refers to, which
  the request does not name: those are drawn in whole units, which every asset's scale takes.
Only components drawn as valid are touched: an invalid one stays exactly as drawn, so the negative checks
keep their teeth. Loaded by `SCHEMATHESIS_HOOKS=tests.contract_hooks` (see local/contract.py)."""

import uuid
from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

from wallet.service.postings import MAX_POSTING_ACCOUNTS
from wallet.validation import METADATA_MAX_BYTES, check_metadata

KEY_HEADER = "idempotency-key"


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = case.meta
    valid_body = meta is None or not meta.is_negative_at(ParameterLocation.BODY)
    valid_headers = meta is None or not meta.is_negative_at(ParameterLocation.HEADER)
    valid_query = meta is None or not meta.is_negative_at(ParameterLocation.QUERY)
    body = dict(case.body) if isinstance(case.body, dict) and valid_body else None
    headers = dict(case.headers) if isinstance(case.headers, Mapping) and valid_headers else None
    if case.method.upper() == "POST":
        headers = {} if headers is None and valid_headers else headers
        _fresh_keys(body, headers, can_add=valid_body and valid_headers)
    if body is not None:
        _between_two_accounts(body)
        _metadata_within_its_size(body)
        if case.path.endswith(("/capture", "/reversal")):
            _in_whole_units(body)
        case.body = body
    if headers:
        case.headers = headers
    from_a_link = meta is not None and meta.phase.name == "stateful"
    if valid_query and not from_a_link and isinstance(case.query, dict) and "cursor" in case.query:
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}
    return case


@schemathesis.hook
def before_add_examples(context: Any, examples: list) -> None:
    """The examples phase's requests, built from the document's examples, follow the same rules."""
    examples[:] = [map_case(context, case) for case in examples]


def _fresh(key: str) -> str:
    return (uuid.uuid4().hex + key)[: max(len(key), 32)][:255]


def _fresh_keys(body: dict | None, headers: dict | None, can_add: bool) -> None:
    """A new key for each case, the same in the body and the header when both carry one."""
    body_key = body.get("idempotentKey") if body is not None else None
    header_key = headers.get(KEY_HEADER) if headers is not None else None
    key = _fresh(body_key if isinstance(body_key, str) else header_key if isinstance(header_key, str) else "")
    if body is not None and isinstance(body_key, str):
        body["idempotentKey"] = key
    if headers is not None and isinstance(header_key, str):
        headers[KEY_HEADER] = key
    if body is not None and body_key is None and header_key is None and can_add:
        body["idempotentKey"] = key


def _other(user_id: str) -> str:
    return user_id[:-1] + ("y" if user_id.endswith("x") else "x") if len(user_id) == 128 else user_id + "x"


def _between_two_accounts(body: dict) -> None:
    if isinstance(body.get("fromUserId"), str) and body.get("fromUserId") == body.get("toUserId"):
        body["toUserId"] = _other(body["toUserId"])
    postings = body.get("postings")
    if not isinstance(postings, list):
        return
    users: list[str] = []
    for posting in postings:
        source, target = posting.get("from"), posting.get("to")
        if source == target and isinstance(target, dict):
            name = "userId" if "userId" in target else "systemAccount"
            if name == "userId":
                target["userId"] = _other(target["userId"])
            else:  # the other side becomes a user: there is always one more user, never one more account name
                posting["to"] = {"userId": "payee"}
        for side in (posting.get("from"), posting.get("to")):
            if isinstance(side, dict) and isinstance(side.get("userId"), str):
                if side["userId"] not in users and len(users) == MAX_POSTING_ACCOUNTS:
                    side["userId"] = users[len(users) - 1] if side is posting.get("to") else users[0]
                if side["userId"] not in users:
                    users.append(side["userId"])
    for posting in postings:  # folding users together may have made a side its own counterpart again
        if posting.get("from") == posting.get("to") and "userId" in posting["to"]:
            posting["to"] = {"systemAccount": "revenue"}


def _metadata_within_its_size(body: dict) -> None:
    metadata = body.get("metadata")
    while isinstance(metadata, dict) and metadata and check_metadata(metadata) == _TOO_LARGE:
        longest = max(metadata, key=lambda key: len(key) + len(metadata[key]))
        metadata[longest] = metadata[longest][: len(metadata[longest]) // 2]
        if not metadata[longest] and len(longest) > 1:
            metadata[longest[: len(longest) // 2]] = metadata.pop(longest)


_TOO_LARGE = f"metadata must not exceed {METADATA_MAX_BYTES} bytes as JSON"


def _in_whole_units(body: dict) -> None:
    amount = body.get("amount")
    if isinstance(amount, str | int | float) and not isinstance(amount, bool):
        whole = int(float(amount)) if not isinstance(amount, str) else int(amount.partition(".")[0] or 0)
        body["amount"] = str(max(whole, 1)) if isinstance(amount, str) else max(whole, 1)
