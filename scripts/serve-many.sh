#!/usr/bin/env bash
# Serve the Atlas with several Streamlit processes behind HAProxy, one command:
#   bash scripts/serve-many.sh [PROCESSES] [PORT]        (defaults: one process per core, port 8501)
# HAProxy (Debian's) pins each browser to one process with a cookie, so a session's reruns, uploads and widget
# state stay where they live (Streamlit keeps a session in the process that opened it); it checks every process's
# /_stcore/health every 2 s (10 s to answer: a process warming its caches on a busy machine is slow, not down;
# three failures in a row take it out) and sends a pinned browser to another one when its process stops (the
# page reconnects there as a new session). The processes share one store: set ATLAS_DATABASE_URL to PostGIS (the
# SQLite default under ATLAS_USER_DIR works for a few processes on one machine), and one cookie secret, so a
# browser moved to another process keeps working. Each process warms its own caches at start (serve.py).
# Ctrl-C (or SIGTERM) stops HAProxy and every process.
set -euo pipefail
cd "$(dirname "$0")/.."
processes="${1:-$(nproc)}"
port="${2:-8501}"
first_backend="${ATLAS_BACKEND_PORT:-$((port + 100))}"
command -v haproxy >/dev/null || { echo "haproxy is not installed: apt-get install haproxy" >&2; exit 1; }
run_dir="$(mktemp -d)"
secret="${ATLAS_COOKIE_SECRET:-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')}"
pids=()
stop() {
  trap - EXIT INT TERM
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$run_dir"
}
trap stop EXIT INT TERM

servers=""
for i in $(seq 1 "$processes"); do
  backend_port=$((first_backend + i - 1))
  STREAMLIT_SERVER_COOKIE_SECRET="$secret" python -m streamlit run serve.py --server.port "$backend_port" \
    --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false \
    >"$run_dir/atlas$i.log" 2>&1 &
  pids+=("$!")
  echo "$!" >"$run_dir/atlas$i.pid"
  servers+="  server atlas$i 127.0.0.1:$backend_port check cookie atlas$i inter 2s fall 3 rise 1"$'\n'
done

cat >"$run_dir/haproxy.cfg" <<EOF
global
  maxconn 4096
defaults
  mode http
  option redispatch
  retries 2
  timeout connect 5s
  timeout check 10s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
frontend atlas
  bind :$port
  default_backend streamlit
backend streamlit
  balance roundrobin
  cookie ATLAS_PROCESS insert indirect nocache httponly
  http-response set-header X-Atlas-Process %s
  option httpchk GET /_stcore/health
  http-check expect status 200
$servers
EOF
echo "Atlas: $processes processes behind HAProxy on http://localhost:$port (logs and pids: $run_dir)"
haproxy -W -db -f "$run_dir/haproxy.cfg" &
pids+=("$!")
wait "${pids[-1]}"
