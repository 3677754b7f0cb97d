"""Money rules: exact decimals with the asset's scale, stored as integer minor units."""

import re
from dataclasses import dataclass
from decimal import Decimal

MAX_WHOLE_UNITS = 1_000_000_000
MAX_SCALE = 6
# A plain non-negative decimal: no sign, no exponent, no leading zeros. The asset's scale is checked after.
_AMOUNT_PATTERN = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?$")


def amount_pattern(scale: int) -> str:
    """A regular expression for exactly the amounts parse_amount accepts at this scale: above 0, at most
    MAX_WHOLE_UNITS, at most `scale` decimal places (for documents; the parser gives the clearer errors)."""
    fraction = rf"(\.[0-9]{{1,{scale}}})?" if scale else ""
    whole = rf"[1-9][0-9]{{0,{len(str(MAX_WHOLE_UNITS)) - 2}}}{fraction}|{MAX_WHOLE_UNITS}" + (
        rf"(\.0{{1,{scale}}})?" if scale else ""
    )
    # below one: some digit after the point is not zero (one branch per position of the first that is not)
    below_one = "|".join(
        "0" * zeros + "[1-9]" + (f"[0-9]{{0,{scale - zeros - 1}}}" if zeros < scale - 1 else "")
        for zeros in range(scale)
    )
    return rf"^({whole}|0\.({below_one}))$" if scale else rf"^({whole})$"


@dataclass(frozen=True)
class JsonNumber:
    """A JSON number kept as its source text, so no precision is lost before validation."""

    text: str


class InvalidAmount(ValueError):
    pass


def amount_text(value: object) -> str:
    """The amount as the caller wrote it, or InvalidAmount.

    Accepts a decimal string or a JSON number (as source text), an int or a Decimal; never a
    float or a bool, whose value is not what the caller wrote.
    """
    if isinstance(value, (bool, float)):
        raise InvalidAmount("amount must be a decimal string or a JSON number, not a boolean or a float")
    if isinstance(value, JsonNumber):  # a number's value, not its spelling: 251.0 is 251, 9.50 is 9.5
        whole, point, fraction = value.text.partition(".")
        return whole + (point + fraction.rstrip("0") if fraction.rstrip("0") else "") if point else value.text
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidAmount("amount must be a finite decimal")
        return format(value, "f")
    raise InvalidAmount("amount must be a decimal string or a JSON number")


def parse_amount(value: object, scale: int, currency: str) -> int:
    """A positive amount of the asset in minor units, or InvalidAmount."""
    text = amount_text(value)
    if not _AMOUNT_PATTERN.match(text):
        raise InvalidAmount(f'amount must be a positive decimal with at most {scale} decimal places, e.g. "10"')
    whole, _, fraction = text.partition(".")
    if len(fraction) > scale:
        raise InvalidAmount(f"amount has more decimal places than {currency} allows ({scale})")
    minor = int(whole) * 10**scale + int(fraction.ljust(scale, "0") or 0)
    if minor <= 0:
        raise InvalidAmount("amount must be greater than 0")
    if minor > MAX_WHOLE_UNITS * 10**scale:
        raise InvalidAmount(f"amount must not exceed {format_amount(MAX_WHOLE_UNITS * 10**scale, scale)}")
    return minor


def parse_opening_balance(text: str, scale: int) -> int:
    """A configured opening balance (zero allowed) in minor units; ValueError if it does not fit the scale."""
    if not _AMOUNT_PATTERN.match(text) or len(text.partition(".")[2]) > scale:
        raise ValueError(f"openingBalance {text!r} is not a decimal with at most {scale} decimal places")
    whole, _, fraction = text.partition(".")
    return int(whole) * 10**scale + int(fraction.ljust(scale, "0") or 0)


def to_decimal(minor: int, scale: int) -> Decimal:
    return Decimal(minor).scaleb(-scale)


def format_amount(minor: int, scale: int) -> str:
    """Exactly `scale` decimal places: "12" for a scale of 0, "12.00" for 2, "-3.50" for a system account."""
    return format(to_decimal(minor, scale), "f")
