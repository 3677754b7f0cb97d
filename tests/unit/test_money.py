import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.money import (
    InvalidAmount,
    JsonNumber,
    amount_pattern,
    format_amount,
    parse_amount,
    parse_opening_balance,
    to_decimal,
)


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        ("50.00", 2, 5000),
        ("0.01", 2, 1),
        ("7", 2, 700),
        ("7.5", 2, 750),
        ("1000000000.00", 2, 100000000000),
        ("1000000000", 0, 1000000000),
        ("12", 0, 12),
        ("0.000001", 6, 1),
        (JsonNumber("12.5"), 2, 1250),
        (JsonNumber("3"), 0, 3),
        (JsonNumber("251.0"), 0, 251),  # a JSON number's value, not its spelling
        (JsonNumber("9.500"), 2, 950),
        (25, 2, 2500),
        (Decimal("10.50"), 2, 1050),
        (Decimal("10.5"), 2, 1050),
    ],
)
def test_valid_amounts_parse_to_exact_minor_units(value, scale, expected):
    assert parse_amount(value, scale, "X") == expected


@pytest.mark.parametrize(
    ("value", "scale"),
    [
        ("0", 2),
        ("0.00", 2),
        ("-1", 2),
        ("1.001", 2),
        ("12.0", 0),  # more decimals than GOLD's scale, even a zero
        ("0.5", 0),
        ("1.0000001", 6),
        ("1e3", 2),
        ("1E3", 2),
        ("NaN", 2),
        ("Infinity", 2),
        ("10abc", 2),
        (" 10", 2),
        ("10 ", 2),
        ("+10", 2),
        (".5", 2),
        ("5.", 2),
        ("010", 2),
        ("1000000000.01", 2),
        ("1000000001", 0),
        ("", 2),
        (JsonNumber("1e2"), 2),
        (JsonNumber("NaN"), 2),
        (JsonNumber("-5"), 2),
        (JsonNumber("10.005"), 2),
        (True, 2),
        (False, 2),
        (1.5, 2),
        (None, 2),
        ([], 2),
        ({}, 2),
        (0, 2),
        (-3, 2),
        (Decimal("NaN"), 2),
        (Decimal("Infinity"), 2),
        (Decimal("0.001"), 2),
        (Decimal("1000000000.01"), 2),
    ],
)
def test_invalid_amounts_are_refused(value, scale):
    with pytest.raises(InvalidAmount):
        parse_amount(value, scale, "X")


def test_more_decimals_than_the_scale_names_the_asset():
    with pytest.raises(InvalidAmount, match="more decimal places than GOLD allows"):
        parse_amount("12.0", 0, "GOLD")


@pytest.mark.parametrize(
    ("minor", "scale", "text"),
    [(10000, 2, "100.00"), (0, 2, "0.00"), (12, 0, "12"), (-150, 2, "-1.50"), (0, 6, "0.000000"), (1, 6, "0.000001")],
)
def test_amounts_are_written_with_exactly_the_scale(minor, scale, text):
    assert format_amount(minor, scale) == text
    assert to_decimal(minor, scale) == Decimal(text)


def test_opening_balances_allow_zero_and_respect_the_scale():
    assert parse_opening_balance("100.00", 2) == 10000
    assert parse_opening_balance("0", 0) == 0
    with pytest.raises(ValueError):
        parse_opening_balance("1.5", 0)
    with pytest.raises(ValueError):
        parse_opening_balance("-1", 2)


@pytest.mark.parametrize("scale", [0, 2, 6])
@settings(max_examples=400, deadline=None)
@given(text=st.from_regex(r"\A[0-9]{1,11}(\.[0-9]{0,7})?\Z") | st.text("0123456789.", max_size=14))
def test_the_documented_amount_pattern_accepts_exactly_what_the_parser_accepts(scale, text):
    try:
        parse_amount(text, scale, "X")
        accepted = True
    except InvalidAmount:
        accepted = False
    assert bool(re.match(amount_pattern(scale), text)) == accepted
