"""The catalog covers IIS's status list, has no duplicates, speaks both languages everywhere and names real
modules. The list of codes comes from KB 943891 (the reference file when present, else the extracted list)."""

from __future__ import annotations

import os
import pathlib
import re
import tomllib
from importlib import resources

import pytest

from w3py import catalog

HERE = pathlib.Path(__file__).parent
REFERENCE_DIR = pathlib.Path(os.environ.get("W3PY_REFERENCE_DIR", "/work/shared/reference"))
KB_FILE = REFERENCE_DIR / "iis-status-codes-kb943891.ja.txt"
IIS_REFERENCE = REFERENCE_DIR / "iis-reference.md"

# A table row of the KB article starts with the code: "404.13 | ..." or "500 | ...".
_KB_ROW = re.compile(r"^(\d{3}(?:\.\d+)?) \|", re.MULTILINE)


def _parse_kb(text: str) -> list[str]:
    return list(dict.fromkeys(_KB_ROW.findall(text)))


def _kb_codes() -> list[str]:
    if KB_FILE.exists():
        return _parse_kb(KB_FILE.read_text(encoding="utf-8"))
    lines = (HERE / "kb943891_codes.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def _key(code: str) -> tuple[int, int]:
    main, _, sub = code.partition(".")
    return int(main), int(sub or 0)


KB_CODES = _kb_codes()

# Codes IIS (or a stock IIS add-on) uses that KB 943891 leaves out; the brief asks for them explicitly.
EXTRA_CODES = ["207", "304", "307", "308", "413.1", "416", "423", "431", "404.1", "503.0", "505"]

# Win32 / HRESULT values IIS logs most often (iis-reference.md §2.3, §5.9).
WIN32_CODES = [0, 2, 3, 5, 64, 121, 995, 1236, 10053, 10054,
               0x8007000D, 0x800700B7, 0x80070021, 0x80070005, 0x8007007E]


# --- coverage ----------------------------------------------------------------------------------------------


def test_reference_list_is_parsed() -> None:
    # guards the parser: the article has ~135 table rows across every class
    assert len(KB_CODES) > 120
    assert {c[0] for c in KB_CODES} == {"1", "2", "3", "4", "5"}
    for must in ("400.606", "401.504", "403.504", "404.504", "500.53", "502.7", "503.4", "404.20"):
        assert must in KB_CODES


@pytest.mark.skipif(not KB_FILE.exists(), reason="reference file not available")
def test_extracted_list_matches_reference() -> None:
    lines = (HERE / "kb943891_codes.txt").read_text(encoding="utf-8").splitlines()
    assert [x for x in lines if x and not x.startswith("#")] == _parse_kb(KB_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", KB_CODES)
def test_every_reference_code_has_an_entry(code: str) -> None:
    assert catalog.lookup(*_key(code)) is not None, f"{code} from KB 943891 is missing from the catalog"


@pytest.mark.parametrize("code", EXTRA_CODES)
def test_codes_iis_uses_beyond_the_list(code: str) -> None:
    assert catalog.lookup(*_key(code)) is not None


@pytest.mark.parametrize("value", WIN32_CODES, ids=hex)
def test_common_win32_codes_have_entries(value: int) -> None:
    entry = catalog.win32(value)
    assert entry is not None and entry.code == value


def test_hresult_falls_back_to_its_win32_code() -> None:
    # 0x80070002 is how the detailed page shows what the log records as 2
    assert catalog.win32(0x80070002).code == 2
    assert catalog.win32(0x8007FFFF) is None


# --- shape -------------------------------------------------------------------------------------------------


def _raw() -> dict:
    return tomllib.loads(resources.files("w3py.catalog").joinpath("catalog.toml").read_text(encoding="utf-8"))


def test_no_duplicate_status_keys_after_normalising() -> None:
    # "404.0" and "404.00" would be two TOML keys but one status
    keys = [_key(k) for k in _raw()["status"]]
    assert len(keys) == len(set(keys))


def test_duplicate_definition_is_rejected() -> None:
    text = '[reason]\n404 = "Not Found"\n[status."404.0"]\nen.title = "a"\n[status."404.0"]\nen.title = "b"\n'
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(catalog.CatalogError, match="defined twice"):
        catalog._build({"reason": {"404": "Not Found"}, "status": {"404.0": _minimal(), "404.00": _minimal()}})


def _minimal() -> dict:
    text = {"title": "t", "description": "d", "causes": ["c"], "try": ["t"]}
    return {"en": dict(text), "ja": dict(text)}


def test_missing_language_is_rejected() -> None:
    raw = _minimal()
    del raw["ja"]
    with pytest.raises(catalog.CatalogError, match=r"\[ja\]"):
        catalog._build({"reason": {"404": "Not Found"}, "status": {"404.0": raw}})


def test_entries_are_sorted_and_unique() -> None:
    keys = [(e.code, e.substatus) for e in catalog.entries()]
    assert keys == sorted(set(keys))


@pytest.mark.parametrize("entry", catalog.entries(), ids=lambda e: e.status)
@pytest.mark.parametrize("lang", catalog.LANGUAGES)
def test_every_field_is_written_in_both_languages(entry: catalog.Entry, lang: str) -> None:
    text = entry.text(lang)
    assert text.title.strip() and text.description.strip()
    assert text.causes and all(c.strip() for c in text.causes)
    assert text.things_to_try and all(t.strip() for t in text.things_to_try)
    assert entry.one_line(lang) == text.title
    assert entry.reason
    if lang == "ja":
        # written in Japanese, not a copy of the English text
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text.description)
        assert text.description != entry.text("en").description
        assert len(text.causes) == len(entry.text("en").causes)
        assert len(text.things_to_try) == len(entry.text("en").things_to_try)


@pytest.mark.parametrize("entry", catalog.win32_entries(), ids=lambda w: w.hex)
def test_win32_entries_in_both_languages(entry: catalog.Win32Entry) -> None:
    for lang in catalog.LANGUAGES:
        title, description = entry.text(lang)
        assert title.strip() and description.strip()
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", entry.text("ja")[1])
    assert entry.name


def test_unverified_entries_say_what_was_chosen() -> None:
    for entry in catalog.entries():
        if not entry.verified:
            assert entry.note, f"{entry.status} is marked unverified without a note"


def test_texts_cover_every_typical_win32() -> None:
    # a win32 value an entry says is typical must itself be explained
    for entry in catalog.entries():
        for value in entry.typical_win32:
            assert catalog.win32(value) is not None, f"{entry.status} lists win32 {value} with no entry"


# --- modules -----------------------------------------------------------------------------------------------

# Used only when the reference is absent: native and managed module names from IIS's stock configuration.
_FALLBACK_MODULES = {
    "AnonymousAuthenticationModule", "ApplicationInitializationModule", "ApplicationRequestRouting",
    "AspNetCoreModuleV2", "BasicAuthenticationModule", "CertificateMappingAuthenticationModule", "CgiModule",
    "ConfigurationValidationModule", "CustomErrorModule", "DefaultDocumentModule", "DigestAuthenticationModule",
    "DirectoryListingModule", "DynamicIpRestrictionModule", "FastCgiModule", "HttpCacheModule",
    "HttpRedirectionModule", "IISCertificateMappingAuthenticationModule", "IpRestrictionModule", "IsapiFilterModule",
    "IsapiModule", "ManagedEngineV4.0_64bit", "ProtocolSupportModule", "RequestFilteringModule", "RewriteModule",
    "StaticFileModule", "UrlAuthorizationModule", "WebDAVModule", "WebSocketModule", "WindowsAuthenticationModule",
}


def _real_module_names() -> set[str]:
    if not IIS_REFERENCE.exists():
        return _FALLBACK_MODULES
    text = IIS_REFERENCE.read_text(encoding="utf-8")
    names: set[str] = set()
    section = text[text.index("### 3.3 Native module reference"):text.index("### 3.4")]
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith(("| Module", "|---")):
            for name in line.split("|")[1].split("/"):
                names.add(name.strip())
    appendix = text[text.index("## Appendix C"):]
    names.update(re.findall(r"`([A-Za-z][\w.\-]*)`", appendix))
    return names


def test_module_names_are_real_iis_modules() -> None:
    real = _real_module_names() | set(catalog.layer_names())
    bad = {(e.status, m) for e in catalog.entries() for m in e.modules if m not in real}
    assert not bad


def test_module_property_is_the_first_module() -> None:
    entry = catalog.lookup(404, 7)
    assert entry.module == "RequestFilteringModule"
    assert "requestFiltering/fileExtensions" in entry.config[0]


# --- API ---------------------------------------------------------------------------------------------------


def test_lookup_defaults_to_substatus_zero() -> None:
    assert catalog.lookup(404) is catalog.lookup(404, 0)
    assert catalog.lookup(404).status == "404.0"
    assert catalog.lookup(404, 99) is None
    assert catalog.lookup(499) is None


def test_substatuses_are_ordered_numerically() -> None:
    subs = [e.substatus for e in catalog.substatuses(404)]
    assert subs == sorted(subs)
    assert subs[:3] == [0, 1, 2] and 20 in subs and subs[-1] == 504
    assert catalog.substatuses(499) == ()


def test_text_for_unknown_language_falls_back_to_english() -> None:
    entry = catalog.lookup(500, 19)
    assert entry.text("fr") == entry.text("en")
    assert entry.text("ja").title != entry.text("en").title


def test_loaded_once() -> None:
    assert catalog._catalog() is catalog._catalog()
    assert catalog.entries() is catalog.entries()


def test_produced_by_w3py_flags() -> None:
    produced = {e.status for e in catalog.entries() if e.produced_by_w3py}
    for status in ("400.0", "403.14", "404.0", "404.7", "404.13", "405.0", "500.19", "503.0", "200.0", "304.0",
                   "401.2", "401.3", "403.4", "403.18", "404.17", "413.1", "431.0"):
        assert status in produced
    for status in ("401.1", "502.3", "500.50", "404.2", "404.16"):
        assert status not in produced


def test_lookup_fallback_gives_the_general_entry() -> None:
    assert catalog.lookup(404, 99) is None
    assert catalog.lookup(404, 99, fallback=True) is catalog.lookup(404, 0)
    assert catalog.lookup(404, 13, fallback=True) is catalog.lookup(404, 13)
    assert catalog.lookup(418, 0, fallback=True) is None


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        pytest.param(None, "en", id="absent"),
        pytest.param("", "en", id="empty"),
        pytest.param("ja", "ja", id="ja"),
        pytest.param("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja", id="japanese-browser"),
        pytest.param("en-US,en;q=0.9,ja;q=0.8", "en", id="english-browser"),
        pytest.param("fr-FR,fr;q=0.9,ja;q=0.5", "ja", id="first-supported"),
        pytest.param("fr-FR,de", "en", id="none-supported"),
        pytest.param("en;q=0.2, ja;q=0.9", "ja", id="by-quality"),
        pytest.param("ja;q=0", "en", id="q-zero-refuses"),
        pytest.param("ja;q=abc, en;q=2, ;;;, =, ja;x=1", "en", id="garbage"),
        pytest.param("*", "en", id="wildcard"),
        pytest.param("JA-jp", "ja", id="case"),
        pytest.param("de," * 100 + "ja", "en", id="too-many-ranges"),
    ],
)
def test_negotiate_language(header: str | None, lang: str) -> None:
    assert catalog.negotiate_language(header) == lang


def test_negotiate_language_default() -> None:
    assert catalog.negotiate_language("fr", default="ja") == "ja"


def test_every_named_status_has_an_entry() -> None:
    # code that raises status.NOT_FOUND etc. must find its text here (DESIGN.md: texts live only in the catalog)
    from w3py import status

    named = {name: value for name, value in vars(status).items() if isinstance(value, status.Status)}
    assert named
    missing = [f"{name} ({value})" for name, value in named.items() if catalog.lookup(value.code, value.substatus) is None]
    assert not missing


def test_reason_phrases_agree_with_the_status_line_table() -> None:
    from w3py import status

    for entry in catalog.entries():
        assert entry.reason == status.reason_phrase(entry.code), entry.status


# A run this long shared with the KB article means a sentence was copied (the longest legitimate overlaps are
# names such as "appConcurrentRequestLimit " or "Content-Length ヘッダーが", about 26 characters).
_COPIED_RUN = 30


@pytest.mark.skipif(not KB_FILE.exists(), reason="reference file not available")
def test_japanese_texts_are_not_copied_from_the_kb_article() -> None:
    kb = " ".join(KB_FILE.read_text(encoding="utf-8").split())
    windows = {kb[i:i + _COPIED_RUN] for i in range(len(kb) - _COPIED_RUN + 1)}
    copied = []
    for entry in catalog.entries():
        text = entry.text("ja")
        for field in (text.title, text.description, *text.causes, *text.things_to_try):
            field = " ".join(field.split())
            if any(field[i:i + _COPIED_RUN] in windows for i in range(len(field) - _COPIED_RUN + 1)):
                copied.append(f"{entry.status}: {field[:40]}")
    assert not copied


def test_entries_are_hashable_and_print_briefly() -> None:
    counts = {catalog.lookup(404, 7): 3, catalog.win32(2): 1}
    assert counts[catalog.lookup(404, 7)] == 3
    assert len(repr(catalog.lookup(500, 19))) < 600
