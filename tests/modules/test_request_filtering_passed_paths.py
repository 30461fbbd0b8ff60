"""Rule 6 of the rule engine (rules.py): a rule set remembers the paths it let through and then runs only the
checks that read more than the path. Whatever the request, the answer must be the one the whole table gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.modules.request_filtering import compile_rules
from w3py.modules.request_filtering import rules as rules_module

from test_request_filtering_fuzz import PATHS
from test_request_filtering_rules import frule, section

STOCK = section()  # only the two length limits are left for a remembered path: the fast branch
RICH = section(  # every kind of check that reads the verb, query, headers or length
    allow_high_bit_characters=False,
    verbs=(("DELETE", False),),
    header_limits=(("x-h", 5),),
    deny_url_sequences=("..", "\\", ":"),
    deny_query_string_sequences=("<",),
    always_allowed_urls=("/ok",),
    always_allowed_query_strings=("safe=<",),
    max_query_string=30,
    max_allowed_content_length=1000,
    filtering_rules=(frule("all", scan_url=True, scan_query_string=True, headers=("x-h",), deny_strings=("evil",)),),
)


def _forget(rules) -> None:  # noqa: ANN001
    rules._passed.clear()
    rules._passed_webdav.clear()


@pytest.mark.parametrize("cfg", [pytest.param(STOCK, id="stock"), pytest.param(RICH, id="rich")])
@settings(max_examples=300, deadline=None)
@given(path=PATHS | st.sampled_from([b"/a.txt", b"/ok", b"/bin/x", b"/x.mdb"]),
       query=st.sampled_from([b"", b"a=1", b"safe=<", b"<", b"evil", b"q" * 40, b"x=%3c"]),
       method=st.sampled_from(["GET", "DELETE", "get"]),
       header=st.sampled_from([b"", b"ok", b"evil", b"toolong"]),
       length=st.none() | st.sampled_from([0, 999, 1001, 30000001]),
       webdav=st.booleans())
def test_a_remembered_path_gets_the_whole_tables_answer(cfg, path, query, method, header, length, webdav) -> None:  # noqa: ANN001
    warm = compile_rules(cfg)
    reference = compile_rules(cfg)
    warm.check("GET", path, webdav=webdav)  # a plain request first: its path is remembered if it passed
    _forget(reference)
    headers = [(b"x-h", header)] if header else []
    assert warm.check(method, path, query, headers, length, webdav) == reference.check(
        method, path, query, headers, length, webdav)


def test_only_passing_paths_are_remembered_and_the_memory_is_bounded() -> None:
    rules = compile_rules(RICH)
    assert str(rules.check("GET", b"/x.mdb").status) == "404.7"
    assert str(rules.check("GET", b"/a.txt", content_length=5000).status) == "404.13"
    assert rules._passed == {}  # a path refused, or seen only with a refused request, is not remembered
    assert rules.check("GET", b"/a.txt") is None
    assert list(rules._passed) == [b"/a.txt"] and rules._passed_webdav == {}
    # remembered, the path still gets every other check
    assert str(rules.check("DELETE", b"/a.txt").status) == "404.6"
    assert str(rules.check("GET", b"/a.txt", b"q" * 31).status) == "404.15"
    assert str(rules.check("GET", b"/a.txt", b"x=<").status) == "404.18"
    assert rules.check("GET", b"/a.txt", b"safe=<") is None
    assert str(rules.check("GET", b"/a.txt", headers=[(b"x-h", b"toolong")]).status) == "404.10"
    assert str(rules.check("GET", b"/a.txt", headers=[(b"x-h", b"evil")]).status) == "404.19"
    assert str(rules.check("GET", b"/a.txt", content_length=1001).status) == "404.13"
    for i in range(rules_module.PASSED_PATH_ENTRIES + 10):
        rules.check("GET", b"/p%d" % i)
    assert len(rules._passed) <= rules_module.PASSED_PATH_ENTRIES
    long_path = b"/" + b"a" * rules_module.PASSED_PATH_MAX_BYTES
    assert rules.check("GET", long_path) is None and long_path not in rules._passed
