"""``<w3py><staticFiles caseInsensitiveFileNames=".." serveDotFiles=".."/></w3py>`` over a real server, set
per directory in web.config files: what a client sees.

The configuration side is tests/config/test_w3py_sections.py; the pipeline builds ``SiteOptions`` from
``effective[StaticFilesSection]`` for each path (docs/config.md, "w3py's own sections"; docs/pipeline.md).
"""

from __future__ import annotations

FILES = {
    "A.txt": "upper a",
    ".env": "SECRET=1",
    "open/.env": "OPEN=1",
    "open/web.config": '<configuration><w3py><staticFiles serveDotFiles="true" /></w3py>'
                       '<system.webServer><staticContent><mimeMap fileExtension=".env" mimeType="text/plain" />'
                       '</staticContent></system.webServer></configuration>',
    "exact/B.txt": "upper b",
    "exact/web.config": '<configuration><w3py><staticFiles caseInsensitiveFileNames="false" /></w3py>'
                        '</configuration>',
}


def test_defaults_hide_dot_files_and_ignore_case(served) -> None:
    site = served(FILES)
    answer = site.get("/a.TXT")
    assert (answer.status, answer.body) == (200, b"upper a")
    answer = site.get("/.env")
    assert answer.status == 404 and b"SECRET" not in answer.body
    assert site.log_rows()[-1]["sc-substatus"] == "9"


def test_web_config_serves_dot_files_below_it(served) -> None:
    site = served(FILES)
    answer = site.get("/open/.env")
    assert (answer.status, answer.body) == (200, b"OPEN=1")
    assert site.get("/.env").status == 404          # the site root keeps the default


def test_web_config_makes_names_case_sensitive_below_it(served) -> None:
    site = served(FILES)
    assert site.get("/exact/B.txt").status == 200
    assert site.get("/exact/b.TXT").status == 404
    assert site.get("/a.txt").status == 200          # the site root keeps the default
