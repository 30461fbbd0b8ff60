"""The W3C field table: IIS's names, flags, order, and the value encoding that keeps lines unforgeable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from w3py.logs.fields import (
    DEFAULT_FLAGS,
    FIELDS,
    decode_value,
    encode_value,
    field_for_name,
    fields_for_flags,
    parse_fields_directive,
    sql_column,
)

IIS_DEFAULT_FIELDS = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) "
    "sc-status sc-substatus sc-win32-status time-taken"
)
IIS_ALL_FIELDS = (
    "date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes "
    "cs-bytes time-taken"
)


def test_default_flags_give_iis_default_fields_line() -> None:
    assert " ".join(f.name for f in fields_for_flags(DEFAULT_FLAGS)) == IIS_DEFAULT_FIELDS


def test_all_flags_in_iis_order_whatever_the_config_order() -> None:
    flags = [f.flag for f in FIELDS]
    assert " ".join(f.name for f in fields_for_flags(tuple(reversed(flags)))) == IIS_ALL_FIELDS


def test_flags_from_attribute_string_any_case() -> None:
    assert [f.name for f in fields_for_flags("time, DATE,clientip")] == ["date", "time", "c-ip"]


def test_unknown_flag_rejected() -> None:
    with pytest.raises(ValueError, match="Bogus"):
        fields_for_flags({"Date", "Bogus"})


def test_flag_bits_are_distinct_powers_of_two() -> None:
    bits = [f.bit for f in FIELDS]
    assert len(set(bits)) == len(bits)
    assert all(b & (b - 1) == 0 for b in bits)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param(None, "-", id="none"),
        pytest.param("", "-", id="empty"),
        pytest.param(0, "0", id="int-zero"),
        pytest.param("Mozilla/5.0 (X11; Linux)", "Mozilla/5.0+(X11;+Linux)", id="spaces"),
        pytest.param("a\r\nb", "a++b", id="crlf"),
        pytest.param("a\tb\x00c\x7fd\x85e\u2028f", "a+b+c+d+e+f", id="controls"),
        pytest.param("/caf\u00e9/\u65e5\u672c", "/caf\u00e9/\u65e5\u672c", id="non-ascii-kept"),
        pytest.param("a+b", "a+b", id="plus-kept"),
    ],
)
def test_encode_value(value, encoded) -> None:
    assert encode_value(value) == encoded


@given(st.text())
def test_encoded_value_is_one_field_on_one_line(value: str) -> None:
    encoded = encode_value(value)
    assert encoded
    assert " " not in encoded
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in encoded)
    assert "\u2028" not in encoded and "\u2029" not in encoded
    assert len(encoded.splitlines()) == 1


def test_decode_value_reverses_plus_only_in_free_text_fields() -> None:
    ua = field_for_name("cs(User-Agent)")
    stem = field_for_name("cs-uri-stem")
    assert decode_value("-", ua) is None
    assert decode_value("Mozilla/5.0+(X11)", ua) == "Mozilla/5.0 (X11)"
    assert decode_value("/a+b", stem) == "/a+b"


def test_sql_columns() -> None:
    assert sql_column("cs(User-Agent)") == "cs_user_agent"
    assert sql_column("TIME-TAKEN") == "time_taken"
    assert sql_column("X-Forwarded-For") == "x_forwarded_for"
    assert sql_column("s-reason") == "s_reason"
    assert sql_column("1st") == "f_1st"


def test_parse_fields_directive() -> None:
    assert parse_fields_directive("#Fields: date time c-ip\r\n") == ("date", "time", "c-ip")
    assert parse_fields_directive("#Date: 2026-01-01 00:00:00") is None
