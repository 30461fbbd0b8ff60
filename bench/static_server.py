"""Serve a bench site with w3py: the embedded default applicationHost.config (whole default pipeline, W3C
logging on), one worker, on 127.0.0.1:PORT, content from DOCROOT.

    python bench/static_server.py --root /tmp/w3py-bench --docroot /tmp/bench-www --port 8081

Used by bench/static_1k.sh; not a product command (``w3py serve`` is).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from w3py.config import default_config_path, load_server_config
from w3py.pipeline.application import PipelineApplication
from w3py.server.listener import Server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, help="server root to create (config/, inetpub/logs)")
    parser.add_argument("--docroot", required=True, help="the site's physical path")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--no-cache", action="store_true", help="turn the response cache off")
    args = parser.parse_args()
    root = Path(args.root)
    (root / "config").mkdir(parents=True, exist_ok=True)
    text = default_config_path().read_text(encoding="utf-8")
    text = text.replace('bindingInformation="*:8080:"', f'bindingInformation="127.0.0.1:{args.port}:"')
    text = text.replace(r'physicalPath="%SystemDrive%\inetpub\wwwroot"', f'physicalPath="{args.docroot}"')
    if args.no_cache:
        text = text.replace('<add name="HttpCacheModule" lockItem="true" />', "")
    apphost = root / "config" / "applicationHost.config"
    apphost.write_text(text, encoding="utf-8")
    config = load_server_config(apphost, root=root)
    app = PipelineApplication(config)

    import uvloop

    async def run() -> None:
        server = Server(config, app)
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"w3py bench server on 127.0.0.1:{args.port}", flush=True)
        await stop.wait()
        await server.stop(1.0)
        from w3py.modules.http_logging import WRITERS

        WRITERS.close_all()

    uvloop.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
