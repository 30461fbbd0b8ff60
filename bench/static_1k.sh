#!/usr/bin/env bash
# Static-file throughput: w3py (1 worker, default pipeline, W3C logging on) against nginx (1 worker, access log
# on), granian's static-file serving and uvicorn + Starlette StaticFiles. Server pinned to core 0, wrk to core 1.
#   bench/static_1k.sh            # 1 KB file, then 10 MB file
# Needs: nginx, wrk (apt-get install nginx wrk), and the bench extra (pip install -e '.[bench]').
# Bars (issue 4): w3py >= 0.4x nginx on 1 KB; >= 0.8x nginx on 10 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"  # absolute (granian and uvicorn start from bench/), venv kept
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}           # 1 KB file
CONNS_LARGE=${CONNS_LARGE:-8}  # 10 MB file: fewer connections, else wrk times out waiting for bytes
WORK=$(mktemp -d /tmp/w3py-bench.XXXXXX)
DOC=$WORK/www
mkdir -p "$DOC"
chmod 755 "$WORK"  # nginx's workers run as www-data
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$DOC/1k.txt"
head -c 10485760 /dev/urandom > "$DOC/10m.bin"
PIDS=()
# (each server is exec'd, so its PID is the server itself; SIGTERM lets granian stop its worker too)
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for port in 8090 8091 8092 8093; do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then echo "port $port is already in use" >&2; exit 1; fi
done

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }

rps() {  # name port path
    local out
    local conns=$CONNS
    [ "$3" = /10m.bin ] && conns=$CONNS_LARGE
    out=$(taskset -c 1 wrk -t1 -c"$conns" -d"$DURATION" "http://127.0.0.1:$2$3" 2>&1)
    local req mb
    req=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    mb=$(echo "$out" | awk '/Transfer\/sec/ {print $2}')
    local errs
    errs=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
    printf "%-22s %-8s %12s req/s %12s/s %s\n" "$1" "$3" "$req" "$mb" "$errs"
    echo "$req" > "$WORK/rps-$1$(echo "$3" | tr '/.' '__')"
}

# --- nginx: 1 worker, access log on ------------------------------------------------------------------------
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log $WORK/nginx-access.log;
    sendfile on;
    server { listen 127.0.0.1:8090; root $DOC; }
}
NGX
taskset -c 0 nginx -c "$WORK/nginx.conf" & PIDS+=($!)
wait_port 8090

# --- w3py: 1 worker ----------------------------------------------------------------------------------------
taskset -c 0 "$PY" bench/static_server.py --root "$WORK/w3py" --docroot "$DOC" --port 8091 >/dev/null & W3PY_PID=$!
PIDS+=($W3PY_PID)
wait_port 8091

# --- granian static files, uvicorn + Starlette -------------------------------------------------------------
if "$PY" -c "import granian" 2>/dev/null; then
    (cd bench && BENCH_DOCROOT=$DOC exec taskset -c 0 "$PY" -m granian --interface asgi --workers 1 --port 8092 \
        --static-path-route / --static-path-mount "$DOC" --log-level error static_starlette:app >/dev/null 2>&1) & PIDS+=($!)
    wait_port 8092 || true
fi
if "$PY" -c "import starlette" 2>/dev/null; then
    (cd bench && BENCH_DOCROOT=$DOC exec taskset -c 0 "$PY" -m uvicorn --workers 1 --port 8093 --log-level warning \
        static_starlette:app >/dev/null 2>&1) & PIDS+=($!)
    wait_port 8093 || true
fi

for path in /1k.txt /10m.bin; do
    for warm in 1; do curl -s -o /dev/null "http://127.0.0.1:8091$path" || true; done
    rps nginx 8090 "$path"
    rps w3py 8091 "$path"
    if [ -n "$(ss -ltn 'sport = :8092' | tail -n +2)" ]; then rps granian 8092 "$path"; fi
    if [ -n "$(ss -ltn 'sport = :8093' | tail -n +2)" ]; then rps uvicorn-starlette 8093 "$path"; fi
done

ratio() { awk -v a="$(cat "$WORK/rps-w3py$1")" -v b="$(cat "$WORK/rps-nginx$1")" 'BEGIN { printf "%.2f", a / b }'; }
echo "w3py/nginx 1 KB:  $(ratio _1k_txt)  (bar 0.40)"
echo "w3py/nginx 10 MB: $(ratio _10m_bin)  (bar 0.80)"
kill -TERM "$W3PY_PID"; wait "$W3PY_PID" 2>/dev/null || true  # flushes the W3C log
echo "w3py log lines written: $(cat "$WORK"/w3py/inetpub/logs/LogFiles/W3SVC1/*.log 2>/dev/null | grep -vc '^#' || echo 0)"
