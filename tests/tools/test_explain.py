"""``w3py explain``: every input form, both languages, the JSON shape, and unknown codes exiting 1."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from w3py import catalog
from w3py.cli.explain import explain as explain_cmd
from w3py.tools import explain as tool

EN_ENV = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
JA_ENV = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(explain_cmd, list(args), env=env or EN_ENV)


# --- parsing (library) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "kind", "statuses", "win32"),
    [
        pytest.param("404.13", "status", ["404.13"], None, id="dotted"),
        pytest.param("404.0", "status", ["404.0"], None, id="dotted-zero"),
        pytest.param("404 13", "status", ["404.13"], None, id="pair"),
        pytest.param("404 13 0", "log", ["404.13"], 0, id="log-triple"),
        pytest.param("404.13.0", "log", ["404.13"], 0, id="dotted-triple"),
        pytest.param("  401   2   5 ", "log", ["401.2"], 5, id="extra-spaces"),
        pytest.param("HTTP Error 404.13 - Not Found", "status", ["404.13"], None, id="browser-title"),
        pytest.param("500 19 0x8007000d", "log", ["500.19"], 0x8007000D, id="triple-with-hresult"),
        pytest.param("401 1 2148074254", "log", ["401.1"], 2148074254, id="triple-with-decimal-hresult"),
        pytest.param("64", "win32", [], 64, id="win32"),
        pytest.param("0x80070021", "win32", [], 0x80070021, id="hresult"),
        pytest.param("0X8007000D", "win32", [], 0x8007000D, id="hresult-upper"),
    ],
)
def test_query_forms(query: str, kind: str, statuses: list[str], win32: int | None) -> None:
    exp = tool.explain(query)
    assert exp.kind == kind
    assert [e.status for e in exp.entries] == statuses
    assert exp.win32_value == win32
    if win32 is not None:
        assert exp.win32 is not None


def test_bare_code_gives_the_code_and_all_substatuses() -> None:
    exp = tool.explain("404")
    assert exp.kind == "code"
    assert exp.entries == catalog.substatuses(404)
    assert {"404.0", "404.7", "404.13", "404.20", "404.504"} <= {e.status for e in exp.entries}


def test_log_triple_for_500_19_uses_the_configuration_hresult() -> None:
    # the log keeps 33 for 0x80070021; next to 500.19 the locked-section explanation is the right one
    exp = tool.explain("500 19 33")
    assert exp.win32.code == 0x80070021
    assert "lock" in exp.win32.text("en")[0].lower()
    # elsewhere the plain Win32 meaning is kept
    assert tool.explain("401 3 5").win32.code == 5


def test_log_triple_with_unknown_win32_still_explains_the_status() -> None:
    exp = tool.explain("404 0 54321")
    assert [e.status for e in exp.entries] == ["404.0"]
    assert exp.win32 is None and exp.win32_value == 54321
    result = run("404 0 54321")
    assert result.exit_code == 0 and "54321" in result.output and "no description" in result.output


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        pytest.param("499", "500", id="unknown-code"),
        pytest.param("404.99", "404.20", id="unknown-substatus"),
        pytest.param("404 99 0", "404.20", id="unknown-substatus-in-triple"),
        pytest.param("0x80071234", None, id="unknown-hresult"),
        pytest.param("4O4", None, id="typo"),
        pytest.param("404.13x", None, id="trailing-garbage"),
    ],
)
def test_unknown_codes_raise_with_suggestions(query: str, suggestion: str | None) -> None:
    with pytest.raises(tool.QueryError) as info:
        tool.explain(query)
    assert info.value.message
    if suggestion:
        assert suggestion in info.value.suggestions
    for s in info.value.suggestions:
        assert tool.explain(s)  # every suggestion is itself explainable


def test_typo_suggests_close_codes() -> None:
    with pytest.raises(tool.QueryError) as info:
        tool.explain("404.133")
    assert "404.13" in info.value.suggestions or "404.20" in info.value.suggestions


@pytest.mark.parametrize(
    ("args", "grouped"),
    [
        pytest.param(["404", "13", "0"], ["404 13 0"], id="triple"),
        pytest.param(["404", "13"], ["404 13"], id="pair"),
        pytest.param(["404", "500", "503.2"], ["404", "500", "503.2"], id="three-codes"),
        pytest.param(["404", "13", "0", "500", "19", "13"], ["404 13 0", "500 19 13"], id="two-triples"),
        pytest.param(["403", "501", "0"], ["403", "501 0"], id="substatus-that-looks-like-a-code"),
        pytest.param(["500", "19", "0x80070021"], ["500 19 0x80070021"], id="hex-win32"),
        pytest.param(["404.13", "0"], ["404.13", "0"], id="dotted-not-joined"),
        pytest.param(["404", "0x80070021"], ["404", "0x80070021"], id="hex-is-not-a-substatus"),
    ],
)
def test_group_arguments(args: list[str], grouped: list[str]) -> None:
    assert tool.group_arguments(args) == grouped


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        pytest.param({"LANG": "ja_JP.UTF-8"}, "ja", id="LANG-ja"),
        pytest.param({"LANG": "en_US.UTF-8"}, "en", id="LANG-en"),
        pytest.param({}, "en", id="nothing-set"),
        pytest.param({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja", id="LC_ALL-wins"),
        pytest.param({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en", id="LC_ALL-C-wins"),
        pytest.param({"LC_MESSAGES": "ja_JP.eucJP", "LANG": "C"}, "ja", id="LC_MESSAGES"),
        pytest.param({"LC_ALL": "", "LANG": "ja"}, "ja", id="empty-LC_ALL-ignored"),
    ],
)
def test_default_language_from_locale(env: dict[str, str], lang: str) -> None:
    assert tool.default_language(env) == lang


# --- CLI: text -----------------------------------------------------------------------------------------------


def test_cli_dotted_code_english() -> None:
    result = run("404.13")
    assert result.exit_code == 0, result.output
    out = result.output
    entry = catalog.lookup(404, 13)
    assert out.startswith("404.13")
    assert entry.text("en").title in out
    assert "Likely causes" in out and "Things to try" in out
    assert "RequestFilteringModule" in out
    assert "maxAllowedContentLength" in out
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_cli_japanese_from_locale() -> None:
    result = run("404.13", env=JA_ENV)
    assert result.exit_code == 0
    assert catalog.lookup(404, 13).text("ja").title in result.output
    assert "考えられる原因" in result.output and "対処方法" in result.output
    assert "Likely causes" not in result.output


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_cli_lang_option_overrides_locale(lang: str) -> None:
    env = JA_ENV if lang == "en" else EN_ENV
    result = run("--lang", lang, "500.19", env=env)
    assert result.exit_code == 0
    assert catalog.lookup(500, 19).text(lang).title in result.output


def test_cli_bare_code_lists_every_substatus() -> None:
    result = run("404")
    assert result.exit_code == 0
    for entry in catalog.substatuses(404):
        assert entry.status in result.output
    assert catalog.lookup(404, 0).text("en").description.split()[0] in result.output


def test_cli_bare_code_all_expands_every_substatus() -> None:
    result = run("--all", "401")
    assert result.exit_code == 0
    for entry in catalog.substatuses(401):
        assert entry.text("en").causes[0][:30] in " ".join(result.output.split())


def test_cli_log_triple_unquoted_explains_win32() -> None:
    result = run("404", "0", "2")
    assert result.exit_code == 0
    assert "404.0" in result.output
    assert "ERROR_FILE_NOT_FOUND" in result.output
    assert catalog.win32(2).text("en")[0] in result.output


def test_cli_log_triple_quoted_japanese() -> None:
    result = run("--lang", "ja", "401 2 5")
    assert result.exit_code == 0
    assert catalog.lookup(401, 2).text("ja").title in result.output
    assert catalog.win32(5).text("ja")[0] in result.output


def test_cli_dotted_triple() -> None:
    result = run("404.13.0")
    assert result.exit_code == 0
    assert "ERROR_SUCCESS" in result.output


def test_cli_several_codes_at_once() -> None:
    result = run("404.7", "500.19", "0x80070021")
    assert result.exit_code == 0
    out = result.output
    assert out.index("404.7") < out.index("500.19") < out.index("0x80070021")


def test_cli_unknown_code_exits_1_with_suggestions() -> None:
    result = run("499")
    assert result.exit_code == 1
    assert "499" in result.stderr and "500" in result.stderr
    assert result.stdout == ""


def test_cli_unknown_among_known_still_explains_the_rest() -> None:
    result = run("404.7", "404.99")
    assert result.exit_code == 1
    assert "404.7" in result.stdout
    assert "404.99" in result.stderr and "404.20" in result.stderr


def test_cli_unknown_code_message_in_japanese() -> None:
    result = run("--lang", "ja", "404.99")
    assert result.exit_code == 1
    assert "候補" in result.stderr


def test_cli_requires_a_code() -> None:
    assert run().exit_code == 2


def test_wrapping_fits_width_and_respects_japanese_punctuation() -> None:
    text = catalog.lookup(500, 19).text("ja").description
    for width in (20, 37, 60):
        lines = tool._wrap(text, width)
        assert all(cell_len(line) <= width for line in lines)
        assert not any(line[:1] in "、。）」" for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_long_paths_are_folded_not_cut() -> None:
    result = CliRunner().invoke(explain_cmd, ["404.13"], env={**EN_ENV, "COLUMNS": "50"})
    joined = result.output.replace("\n", "").replace(" ", "")
    assert "requestLimits/@maxAllowedContentLength" in joined
    assert "…" not in result.output


# --- CLI: JSON ---------------------------------------------------------------------------------------------


def test_json_shape() -> None:
    result = run("--json", "404 13 0", "404", "0x80070021")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["lang"] == "en" and data["errors"] == []
    triple, family, hresult = data["results"]
    assert triple["query"] == "404 13 0" and triple["kind"] == "log"
    (entry,) = triple["entries"]
    assert set(entry) == {"status", "code", "substatus", "reason", "title", "description", "causes",
                          "things_to_try", "module", "modules", "config", "typical_win32", "produced_by_w3py",
                          "verified", "note"}
    assert entry["status"] == "404.13" and entry["code"] == 404 and entry["substatus"] == 13
    assert entry["module"] == "RequestFilteringModule" and entry["produced_by_w3py"] is True
    assert isinstance(entry["causes"], list) and entry["causes"]
    assert triple["win32"]["code"] == 0 and triple["win32"]["name"] == "ERROR_SUCCESS"
    assert family["kind"] == "code" and len(family["entries"]) == len(catalog.substatuses(404))
    assert hresult["kind"] == "win32" and hresult["entries"] == [] and hresult["win32"]["hex"] == "0x80070021"


def test_json_japanese_is_not_escaped() -> None:
    result = run("--json", "--lang", "ja", "403.14")
    data = json.loads(result.output)
    assert data["lang"] == "ja"
    assert data["results"][0]["entries"][0]["title"] == catalog.lookup(403, 14).text("ja").title
    assert catalog.lookup(403, 14).text("ja").title in result.output  # readable, not \\u escapes


def test_json_unknown_code_exit_1_and_error_object() -> None:
    result = run("--json", "404.7", "499")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [r["query"] for r in data["results"]] == ["404.7"]
    (err,) = data["errors"]
    assert err["query"] == "499" and "500" in err["suggestions"] and err["error"]


def test_json_unknown_win32_in_triple() -> None:
    data = json.loads(run("--json", "404 0 54321").output)
    assert data["results"][0]["win32"] == {"code": 54321, "known": False}


# --- the real command, piped -------------------------------------------------------------------------------


def test_installed_command_piped_has_no_escape_codes() -> None:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm-256color"}
    proc = subprocess.run([sys.executable, "-m", "w3py", "explain", "403.14"], capture_output=True, env=env,
                          check=False)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr
    assert "403.14" in out and "directoryBrowse" in out
    assert "\x1b" not in out
    assert not any(line != line.rstrip() for line in out.splitlines())
    bad = subprocess.run([sys.executable, "-m", "w3py", "explain", "999"], capture_output=True, env=env, check=False)
    assert bad.returncode == 1 and b"999" in bad.stderr


# --- robustness ----------------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\A[0-9x. -]{0,20}\Z")))
def test_any_query_either_explains_or_raises_query_error(query: str) -> None:
    try:
        exp = tool.explain(query)
    except tool.QueryError as exc:
        assert exc.message
        return
    assert exp.entries or exp.win32 is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789x .", max_size=8), max_size=6))
def test_grouping_never_loses_arguments(args: list[str]) -> None:
    grouped = tool.group_arguments(args)
    assert " ".join(grouped).split() == " ".join(a.strip() for a in args).split()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_negotiate_language_never_raises(header: str) -> None:
    assert catalog.negotiate_language(header) in catalog.LANGUAGES


@pytest.mark.parametrize("query", ["404 1" + "1" * 5000, "404.13." + "9" * 20, "0x" + "f" * 20, "²", "x" * 100_000])
def test_hostile_queries_are_refused_briefly(query: str) -> None:
    with pytest.raises(tool.QueryError) as info:
        tool.explain(query)
    assert len(info.value.message) < 200


def test_terminal_output_is_coloured() -> None:
    import io

    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=100)
    found, _ = tool.explain_all(["404.7", "404", "500 19 33", "64"])
    tool.render(console, found, "ja")
    out = buf.getvalue()
    assert "\x1b[" in out
    assert catalog.lookup(404, 7).text("ja").title in out


def test_cli_reads_codes_from_stdin() -> None:
    lines = "#Fields: date time\n404 13 0\n\n200 0 0\n404 13 0\n500.19\n"
    result = CliRunner().invoke(explain_cmd, ["--json", "-"], input=lines, env=EN_ENV)
    assert result.exit_code == 0
    queries = [r["query"] for r in json.loads(result.output)["results"]]
    assert queries == ["404 13 0", "200 0 0", "500.19"]  # blank lines skipped, repeats explained once
