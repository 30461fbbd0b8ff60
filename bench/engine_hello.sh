#!/usr/bin/env bash
# w3py vs uvicorn on a hello-world response (see bench/engine_hello.py); installs wrk if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x .venv/bin/python ] || ./dev test --co -q >/dev/null
exec .venv/bin/python bench/engine_hello.py "$@"
