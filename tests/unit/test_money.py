from decimal import Decimal

import pytest

from wallet.money import InvalidAmount, JsonNumber, format_money, from_minor, parse_amount, to_minor


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50.00", "50.00"),
        ("0.01", "0.01"),
        ("7", "7"),
        ("7.5", "7.5"),
        ("1000000000.00", "1000000000.00"),
        (JsonNumber("12.5"), "12.5"),
        (JsonNumber("3"), "3"),
        (25, "25"),
        (Decimal("10.50"), "10.50"),
        (Decimal("10.500"), "10.500"),  # a Decimal with a trailing zero is still two places of value
    ],
)
def test_valid_amounts_parse_exactly(value, expected):
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "0.00",
        "-1",
        "1.001",
        "1e3",
        "1E3",
        "NaN",
        "Infinity",
        "10abc",
        " 10",
        "10 ",
        "+10",
        ".5",
        "5.",
        "010",
        "1000000000.01",
        "",
        JsonNumber("1e2"),
        JsonNumber("NaN"),
        JsonNumber("-5"),
        JsonNumber("10.005"),
        True,
        False,
        1.5,
        None,
        [],
        {},
        0,
        -3,
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("0.001"),
        Decimal("1000000000.01"),
    ],
)
def test_invalid_amounts_are_refused(value):
    with pytest.raises(InvalidAmount):
        parse_amount(value)


def test_minor_units_round_trip():
    for text in ["0.01", "1.10", "99.99", "1000000000.00"]:
        amount = Decimal(text)
        assert from_minor(to_minor(amount)) == amount
    assert to_minor(Decimal("12.5")) == 1250
    assert format_money(from_minor(-150)) == "-1.50"
    assert format_money(Decimal("7")) == "7.00"
