"""uvicorn + Starlette StaticFiles over DOCROOT (the Python-server baseline for bench/static_1k.sh)."""

import os

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

app = Starlette(routes=[Mount("/", app=StaticFiles(directory=os.environ["BENCH_DOCROOT"]))])
