"""Micro-benchmark of the request-filtering rule engine (run by hand: ``.venv/bin/python bench/filtering_micro.py``).

Measures ``RuleSet.check`` over typical request heads with the stock IIS rules (ASP.NET deny list and hidden
segments) and with a heavier configuration (verbs, header limits, sequences, a filtering rule), for a path seen
before (decoded-path cache hit) and for fresh paths (miss). Prints microseconds per call.
"""

from __future__ import annotations

import itertools
import timeit
from types import SimpleNamespace as NS

from w3py.modules.request_filtering import compile_rules

STOCK_DENIED = (
    ".asax .ascx .master .skin .browser .sitemap .config .cs .csproj .vb .vbproj .webinfo .licx .resx .resources "
    ".mdb .vjsproj .java .jsl .ldb .dsdgm .ssdgm .lsad .ssmap .cd .dsprototype .lsaprototype .sdm .sdmDocument "
    ".mdf .ldf .ad .dd .ldd .sd .adprototype .lddprototype .exclude .refresh .compiled .msgx .vsdisco .rules"
).split()
STOCK_HIDDEN = ("web.config", "bin", "App_code", "App_GlobalResources", "App_LocalResources",
                "App_WebReferences", "App_Data", "App_Browsers")


def items(*entries, **attrs):
    return NS(items=tuple(entries), **attrs)


def section(heavy: bool = False) -> NS:
    return NS(
        allow_double_escaping=False, allow_high_bit_characters=not heavy, unescape_query_string=True,
        file_extensions=items(*(NS(file_extension=e, allowed=False) for e in STOCK_DENIED),
                              allow_unlisted=True, apply_to_web_dav=True),
        hidden_segments=items(*(NS(segment=s) for s in STOCK_HIDDEN), apply_to_web_dav=True),
        verbs=items(*((NS(verb="TRACE", allowed=False), NS(verb="DELETE", allowed=False)) if heavy else ()),
                    allow_unlisted=True, apply_to_web_dav=True),
        request_limits=NS(max_allowed_content_length=30000000, max_url=4096, max_query_string=2048,
                          header_limits=items(*((NS(header="X-Big", size_limit=100),) if heavy else ()))),
        always_allowed_urls=items(), always_allowed_query_strings=items(),
        deny_url_sequences=items(*((NS(sequence=".."), NS(sequence=":")) if heavy else ())),
        deny_query_string_sequences=items(*((NS(sequence="<script"),) if heavy else ())),
        filtering_rules=items(*((NS(name="sqli", scan_url=False, scan_query_string=True, scan_all_raw=False,
                                    deny_unescaped_percent=True, scan_headers=items(),
                                    applies_to=items(NS(file_extension=".aspx")),
                                    deny_strings=items(NS(string="--"), NS(string="xp_"))),) if heavy else ())),
    )


HEADERS = [(b"host", b"localhost:8080"), (b"user-agent", b"wrk/4.2"), (b"accept", b"*/*"),
           (b"accept-encoding", b"gzip, deflate"), (b"connection", b"keep-alive")]


def per_call_us(fn, number: int = 100_000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    for label, heavy in (("stock rules", False), ("heavy rules", True)):
        rules = compile_rules(section(heavy))
        print(f"{label}: active checks {', '.join(rules.active_rules)}")
        for path, query in ((b"/index.html", b""), (b"/a/b/c/page.aspx", b"id=42&x=y"), (b"/sp%20ace/x.html", b"")):
            us = per_call_us(lambda: rules.check("GET", path, query, HEADERS, None))
            print(f"  hit  {path.decode():24} {us:6.2f} us")
        counter = itertools.count()
        us = per_call_us(lambda: rules.check("GET", b"/fresh/%d.html" % next(counter), b"", HEADERS, None), 50_000)
        print(f"  miss {'/fresh/<n>.html':24} {us:6.2f} us")


if __name__ == "__main__":
    main()
