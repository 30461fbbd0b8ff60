"""The schema DSL: names, value types and the one-declaration-per-section registry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from w3py.config.schema import (
    BOOL, SECTIONS, TIMESPAN, UINT, Enum, Flags, Section, TimeSpan, UInt, attr, collection, element, snake,
)
from w3py.config.sections import (
    HttpErrorsSection, RequestFilteringSection, SitesSection, StaticContentSection,
)


@pytest.mark.parametrize("xml,py", [
    ("allowDoubleEscaping", "allow_double_escaping"), ("requestLimits", "request_limits"),
    ("applyToWebDAV", "apply_to_web_dav"), ("logTargetW3C", "log_target_w3c"), ("CLRConfigFile", "clr_config_file"),
    ("maxLogFileSizeKB", "max_log_file_size_kb"), ("max-age", "max_age"), ("logInUTF8", "log_in_utf8"),
    ("flushByEntryCountW3CLog", "flush_by_entry_count_w3c_log"), ("enable32BitAppOnWin64", "enable32_bit_app_on_win64"),
])
def test_snake_names(xml, py):
    assert snake(xml) == py


def test_contract_field_names_exist():
    rf = RequestFilteringSection._schema.default
    assert rf.file_extensions.allow_unlisted is True and rf.request_limits.header_limits.items == ()
    assert rf.filtering_rules.items == () and rf.always_allowed_query_strings.items == ()
    site_item = SitesSection._schema.collection.item.default
    assert site_item.limits.max_url_segments == 32
    assert site_item.limits.connection_timeout == timedelta(minutes=2)
    assert site_item.log_file.custom_fields.items == ()
    assert StaticContentSection._schema.default.client_cache.set_etag is True
    assert HttpErrorsSection._schema.default.error_mode == "DetailedLocalOnly"


@pytest.mark.parametrize("text,value", [("true", True), ("False", False), (" TRUE ", True)])
def test_bool(text, value):
    assert BOOL.parse(text, None) is value


@pytest.mark.parametrize("text", ["yes", "1", "", "truee"])
def test_bool_rejects(text):
    with pytest.raises(ValueError):
        BOOL.parse(text, None)


def test_integers_and_ranges():
    assert UINT.parse("4294967295", None) == 4294967295
    for bad in ("-1", "4294967296", "1.5", "abc", "0x10", ""):
        with pytest.raises(ValueError):
            UINT.parse(bad, None)
    bandwidth = UInt(0, 1023, exclude=True)  # IIS's integerRange "0,1023,exclude" for maxBandwidth
    assert bandwidth.parse("1024", None) == 1024
    with pytest.raises(ValueError):
        bandwidth.parse("512", None)


@pytest.mark.parametrize("text,value", [
    ("00:02:00", timedelta(minutes=2)), ("1.00:00:00", timedelta(days=1)), ("29:00:00", None),
    ("00:00:00.5", timedelta(milliseconds=500)), ("-00:00:01", timedelta(seconds=-1)),
])
def test_timespan(text, value):
    if value is None:
        with pytest.raises(ValueError):
            TIMESPAN.parse(text, None)
    else:
        assert TIMESPAN.parse(text, None) == value
        assert TIMESPAN.parse(TIMESPAN.format(value), None) == value


def test_timespan_in_seconds_format():
    assert TimeSpan(unit="seconds").parse("90", None) == timedelta(seconds=90)
    with pytest.raises(ValueError):
        TIMESPAN.parse("90", None)


def test_enum_and_flags():
    e = Enum(Found=302, Permanent=301)
    assert e.parse("found", None) == "Found" and e.parse("301", None) == "Permanent"
    with pytest.raises(ValueError):
        e.parse("Moved", None)
    f = Flags(**{"None": 0, "Read": 1, "Write": 2, "Script": 512})
    assert f.parse("read, SCRIPT", None) == frozenset({"Read", "Script"})
    assert f.parse("513", None) == frozenset({"Read", "Script"})
    assert f.parse("None", None) == frozenset() and f.format(frozenset()) == "None"
    assert f.format(frozenset({"Script", "Read"})) == "Read, Script"
    for bad in ("Read, Exec", "4"):
        with pytest.raises(ValueError):
            f.parse(bad, None)


def test_a_section_is_one_declaration_and_registers_once():
    class _ProbeSection(Section):
        path = "system.webServer/w3pyProbe"
        members = (attr("on", BOOL, True), element("inner", collection("add", attr("k", key=True))))

    try:
        assert SECTIONS["system.webserver/w3pyprobe"] is _ProbeSection
        default = _ProbeSection._schema.default
        assert default.on is True and default.inner.items == () and default.origin is None
        with pytest.raises(AttributeError):
            default.on = False
        with pytest.raises(TypeError):
            class _Again(Section):
                path = "system.webServer/w3pyProbe"
    finally:
        SECTIONS.pop("system.webserver/w3pyprobe", None)
