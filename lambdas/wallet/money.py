"""Money rules: exact decimals with two places, stored as integer minor units."""

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

MAX_AMOUNT = Decimal("1000000000.00")
# A plain positive decimal: no sign, no exponent, no leading zeros, at most two places.
_AMOUNT_PATTERN = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")
AMOUNT_JSON_PATTERN = _AMOUNT_PATTERN.pattern
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class JsonNumber:
    """A JSON number kept as its source text, so no precision is lost before validation."""

    text: str


class InvalidAmount(ValueError):
    pass


def parse_amount(value: object) -> Decimal:
    """Turn an amount into an exact Decimal, or raise InvalidAmount.

    Accepts a decimal string or a JSON number (as source text), an int or a Decimal; never a
    float or a bool, whose value is not what the caller wrote.
    """
    if isinstance(value, (bool, float)):
        raise InvalidAmount("amount must be a decimal string or a JSON number, not a boolean or a float")
    if isinstance(value, JsonNumber):
        value = value.text
    if isinstance(value, str):
        if not _AMOUNT_PATTERN.match(value):
            raise InvalidAmount('amount must be a positive decimal with at most 2 decimal places, e.g. "10.50"')
        amount = Decimal(value)
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(_CENT, rounding=ROUND_DOWN):
            raise InvalidAmount("amount must be a finite decimal with at most 2 decimal places")
        amount = value
    else:
        raise InvalidAmount("amount must be a decimal string or a JSON number")
    if amount <= 0:
        raise InvalidAmount("amount must be greater than 0")
    if amount > MAX_AMOUNT:
        raise InvalidAmount(f"amount must not exceed {format_money(MAX_AMOUNT)}")
    return amount


def to_minor(amount: Decimal) -> int:
    return int((amount / _CENT).to_integral_exact())


def from_minor(minor: int) -> Decimal:
    return (Decimal(minor) * _CENT).quantize(_CENT)


def format_money(amount: Decimal) -> str:
    return str(amount.quantize(_CENT))
