"""Micro-benchmark of the effective-configuration lookup (run by hand: ``.venv/bin/python bench/config_lookup.py``).

Targets (issue 3): a cached lookup < 2 µs; a cold lookup of a 5-level path with a web.config at each level
< 1 ms. Uses the embedded default applicationHost.config (378 MIME types, stock lists) so merges are realistic.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from w3py.config import default_config_path
from w3py.config.sections import StaticContentSection
from w3py.testing.config import ConfigTree

LEVELS = ("a", "b", "c", "d", "e")
WEB_CONFIG = """<system.webServer>
  <staticContent><remove fileExtension=".{n}x"/><mimeMap fileExtension=".{n}x" mimeType="text/x-{n}"/></staticContent>
  <defaultDocument><files><add value="home{n}.htm"/></files></defaultDocument>
  <security><requestFiltering><hiddenSegments><add segment="secret{n}"/></hiddenSegments></requestFiltering></security>
  <httpErrors errorMode="Custom"/>
</system.webServer>"""


def best_of(fn, repeat: int = 5, number: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="w3py-bench-"))
    tree = ConfigTree(root)
    tree.write_apphost(default_config_path().read_text(encoding="utf-8"))
    rel = ""
    for n, seg in enumerate(LEVELS):
        rel = f"{rel}/{seg}".strip("/")
        tree.web_config(rel, WEB_CONFIG.format(n=n))
    time.sleep(2.1)  # let the files leave the racy-timestamp window, as real deployed files have
    path = "/a/b/c/d/e/index.html"

    t0 = time.perf_counter()
    cfg = tree.load(poll_interval=1.0)
    load_ms = (time.perf_counter() - t0) * 1e3
    site = cfg.sites[0]

    def cold_all() -> None:  # nothing cached: stat + parse + validate 5 files, merge 5 levels
        cfg._levels.clear(); cfg._paths.clear(); cfg._docs.clear()
        cfg.effective(site, path)

    def cold_merge() -> None:  # documents parsed already (server warm, path never requested)
        cfg._levels.clear(); cfg._paths.clear()
        cfg.effective(site, path)

    def cold_leaf() -> None:  # ancestors cached, one new file name in a known directory
        cfg._paths.pop((site.id, path), None)
        cfg._levels.pop((site.id, "a/b/c/d/e/index.html"), None)
        cfg.effective(site, path)

    cold_all_s = best_of(cold_all, repeat=20)
    cold_merge_s = best_of(cold_merge, repeat=20)
    cold_leaf_s = best_of(cold_leaf, repeat=20, number=50)

    cfg.effective(site, path)
    n = 200_000
    effective = cfg.effective
    def cached_loop() -> None:
        for _ in range(n):
            effective(site, path)
    cached_s = best_of(cached_loop, repeat=5) / n
    e = cfg.effective(site, path)
    def section_loop() -> None:
        for _ in range(n):
            e[StaticContentSection]
    section_s = best_of(section_loop, repeat=5) / n

    # the periodic change check (once per poll interval, not per request)
    poll_s = best_of(cfg.check_for_changes, repeat=20, number=20)
    cfg0 = tree.load(poll_interval=0)
    cfg0.effective(site, path)
    def stat_every_time() -> None:
        for _ in range(2000):
            cfg0.effective(cfg0.sites[0], path)
    poll0_s = best_of(stat_every_time, repeat=5) / 2000

    print(f"load applicationHost.config (embedded default):   {load_ms:8.2f} ms")
    print(f"cold 5-level lookup, 5 web.configs parsed:         {cold_all_s * 1e3:8.3f} ms")
    print(f"cold 5-level lookup, documents already parsed:      {cold_merge_s * 1e3:8.3f} ms")
    print(f"cold leaf (ancestors cached):                       {cold_leaf_s * 1e6:8.2f} µs")
    print(f"cached lookup (poll_interval=1s):                   {cached_s * 1e6:8.3f} µs")
    print(f"EffectiveConfig[Section]:                           {section_s * 1e9:8.1f} ns")
    print(f"check_for_changes (7 files stat'ed, once per poll): {poll_s * 1e6:8.2f} µs")
    print(f"cached lookup with poll_interval=0 (stat each):     {poll0_s * 1e6:8.2f} µs")


if __name__ == "__main__":
    main()
