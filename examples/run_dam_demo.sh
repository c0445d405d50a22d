#!/usr/bin/env bash
# The image bank's side, end to end, on a fresh instance (a temporary folder, SQLite and
# the embedded Redis, so it needs nothing but `make install`): `flask seed-demo`, an
# integration with an API key, `flask serve-all` (web + worker), then
# examples/dam_client.py over HTTP. Exits with the client's status. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

read -r web hook smtp < <("$PY" - <<'PYTHON'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PYTHON
)
# Everything of this run in its own folder; nothing inherited from the caller's setup.
unset DATABASE_URL REDIS_URL MAIL_SERVER MAIL_PORT RQ_QUEUE
export FLASK_APP=wsgi:app LIKENESS_ENV=development LIKENESS_INSTANCE="$work/instance"
export PUBLIC_BASE_URL="http://127.0.0.1:$web" OUTBOX_SWEEP_SECONDS=2
# The receiver runs on this machine: the operator allow-lists exactly that host.
export WEBHOOK_PRIVATE_HOSTS=127.0.0.1

"$PY" -m flask db upgrade >/dev/null 2>&1
"$PY" -m flask seed-demo   # its emails go to the instance folder (no MAIL_SERVER yet)
key=$("$PY" -m flask create-integration "Demo image bank" --host "127.0.0.1:$hook")

# From here on mail goes to the example's SMTP sink on loopback.
MAIL_SERVER=127.0.0.1 MAIL_PORT="$smtp" "$PY" -m flask serve-all --port "$web" \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 600); do  # bounded: at most a minute
  if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$web/healthz', timeout=2)" 2>/dev/null; then
    break
  fi
  sleep 0.1
done

status=0
"$PY" examples/dam_client.py --base-url "http://127.0.0.1:$web" --api-key "$key" \
  --receiver-port "$hook" --smtp-port "$smtp" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log ---" >&2
  tail -n 60 "$work/server.log" >&2
fi
exit "$status"
