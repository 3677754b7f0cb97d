"""Request checks, timestamps and page cursors shared by every part of the service."""

import base64
import binascii
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from wallet.errors import (
    InvalidRequest,
)
from wallet.models import (
    Hold,
    LedgerEntry,
)
from wallet.money import MAX_SCALE, InvalidAmount, amount_text, parse_amount
from wallet.repository import (
    HoldEnding,
)
from wallet.settings import DEFAULT_CURRENCY, Asset
from wallet.validation import (
    DESCRIPTION_MAX_LENGTH,
    check_metadata,
    is_valid_idempotent_key,
    is_valid_user_id,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def checked_key(idempotent_key: str) -> str:
    if not is_valid_idempotent_key(idempotent_key):
        raise InvalidRequest("idempotentKey must be 1 to 255 printable ASCII characters")
    return idempotent_key


def checked_user_id(user_id: str) -> str:
    if not is_valid_user_id(user_id):
        raise InvalidRequest("userId must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -")
    return user_id


def checked_amount(amount: object, asset: Asset) -> int:
    try:
        return parse_amount(amount, asset.scale, asset.code)
    except InvalidAmount as error:
        raise InvalidRequest(str(error)) from None


def checked_description(description: object) -> str | None:
    if description is None or description == "":
        return None  # an empty description is the same request as none
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidRequest(f"description must be a string of at most {DESCRIPTION_MAX_LENGTH} characters")
    return description


def checked_metadata(metadata: object) -> dict[str, str] | None:
    problem = check_metadata(metadata)
    if problem:
        raise InvalidRequest(problem)
    assert metadata is None or isinstance(metadata, dict)
    return dict(sorted(metadata.items())) if metadata else None  # an empty object is the same as none


def epoch_ms(instant: str) -> int:
    """Milliseconds since the epoch of one of this service's timestamps."""
    return int(datetime.fromisoformat(instant).timestamp() * 1000)


def ended(hold: Hold, ending: HoldEnding) -> Hold:
    """The hold as it reads once `ending` has committed."""
    return replace(
        hold,
        stored_status=ending.status,
        ended_at=ending.ended_at,
        captured_minor=ending.captured_minor,
        transaction_id=ending.transaction_id,
        captured_to=ending.captured_to,
    )


def checked_hold_id(hold_id: object) -> str:
    if not isinstance(hold_id, str) or not 1 <= len(hold_id) <= 64:
        raise InvalidRequest("holdId must be the id of a hold")
    return hold_id


def normalised_amount(amount: object) -> str | None:
    """An amount's canonical text before its asset is known (the scale is checked later), or None."""
    if amount is None:
        return None
    try:
        parse_amount(amount, MAX_SCALE, "any asset")
        return format(Decimal(amount_text(amount)).normalize(), "f")
    except InvalidAmount as error:
        raise InvalidRequest(str(error)) from None


def encode_hold_cursor(user_id: str, last: tuple[str, str]) -> str:
    raw = json.dumps({"u": user_id, "t": last[0], "h": last[1]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_hold_cursor(cursor: str, user_id: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = data["u"] == user_id and isinstance(data["t"], str) and isinstance(data["h"], str)
    except (ValueError, TypeError, KeyError, binascii.Error, AttributeError):
        valid = False
    if not valid:
        raise InvalidRequest("cursor is not a cursor returned for this user's holds")
    return data["t"], data["h"]


# RFC 3339's date-time (what OpenAPI's format: date-time means), parsed whole: any fraction, a leap second
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)
_EARLIEST, _LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def _rfc3339(text: str) -> datetime | None:
    found = _RFC3339.match(text)
    if not found:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups()[:6])
    fraction, utc, sign, offset_hours, offset_minutes = found.groups()[6:]
    if year == 0:
        return _EARLIEST if 1 <= month <= 12 and 1 <= day <= 31 else None  # before any entry
    try:
        offset = timedelta(hours=int(offset_hours or 0), minutes=int(offset_minutes or 0))
        zone = UTC if utc else timezone(-offset if sign == "-" else offset)
        moment = datetime(year, month, day, hour, minute, min(second, 59), int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None
    if second == 60:  # a leap second: the last instant of its minute
        moment = moment.replace(microsecond=999_999)
    try:
        return moment.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:  # an offset that carries the first or last representable day past its end
        return _EARLIEST if year == 1 else _LATEST


def parse_instant(text: str, name: str, round_up: bool) -> str:
    """An instant with a time zone (RFC 3339, or any ISO 8601 form Python reads), as this service's
    timestamps write it (UTC, milliseconds).

    Entries carry milliseconds: an `at` (inclusive) rounds down, a window's bounds round up, so the
    comparison with a finer instant is exact."""
    moment = _rfc3339(text)
    if moment is None:
        try:
            moment = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequest(f"{name} must be an ISO 8601 instant with a time zone, e.g. 2026-11-23T10:00:00Z")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = _EARLIEST if moment.year == 1 else _LATEST
    if round_up and moment.microsecond % 1000 and moment < _LATEST - timedelta(milliseconds=1):
        moment += timedelta(microseconds=1000 - moment.microsecond % 1000)
    return timestamp(moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000))


def encode_cursor(user_id: str, currency: str, last: LedgerEntry) -> str:
    raw = json.dumps(
        {"u": user_id, "c": currency, "s": last.sequence, "t": last.created_at}, separators=(",", ":")
    ).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, user_id: str, currency: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        sequence, created_at = data["s"], data.get("t", "")
        valid = (
            data["u"] == user_id
            and data.get("c", DEFAULT_CURRENCY) == currency
            and isinstance(sequence, int)
            and not isinstance(sequence, bool)
            and sequence > 0
            and isinstance(created_at, str)
        )
    except (ValueError, TypeError, KeyError, binascii.Error, AttributeError):
        valid = False
    if not valid:
        raise InvalidRequest("cursor is not a cursor returned for this user's history in this currency")
    return sequence, created_at
