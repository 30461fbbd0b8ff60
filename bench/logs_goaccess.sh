#!/usr/bin/env bash
# Run the GoAccess comparison with the project's virtualenv (see bench/logs_goaccess.py).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || ./dev test --co -q >/dev/null
exec .venv/bin/python bench/logs_goaccess.py "$@"
