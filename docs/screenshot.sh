#!/usr/bin/env bash
# Regenerates docs/index.png, the README's screenshot of the index page: builds regionfeed, runs the
# bundled offline demo (config/demo.toml) on a free loopback port with a throwaway database, waits for its
# first polls, and has headless Chromium photograph http://127.0.0.1:PORT/ at 1200 px wide.
# Needs Debian's chromium and a CJK font (installed with apt-get when missing, as root).
#   docs/screenshot.sh            # uses CARGO_TARGET_DIR if set
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! fc-list :lang=zh | grep -q .; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium fonts-wqy-microhei
fi

cargo build --release --locked
binary="${CARGO_TARGET_DIR:-target}/release/regionfeed"
work="$(mktemp -d)"
trap 'kill "$daemon" 2>/dev/null || true; rm -rf "$work"' EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sed -e "s|listen = \"127.0.0.1:8080\"|listen = \"127.0.0.1:$port\"|" \
    -e "s|../target/demo/regionfeed.db|$work/demo.db|" \
    -e "s|file://demo-feeds/|file://$PWD/config/demo-feeds/|" \
    config/demo.toml > "$work/demo.toml"
"$binary" run --config "$work/demo.toml" 2>"$work/log" &
daemon=$!

# Wait (at most 30 s) until every demo source has been polled.
sources="$(grep -c '^\[\[source\]\]' config/demo.toml)"
for _ in $(seq 60); do
  polled="$(curl -s "http://127.0.0.1:$port/sources" | python3 -c \
    'import json,sys; print(sum(s["status"] == "ok" for g in json.load(sys.stdin) for s in g["sources"]))' \
    2>/dev/null || echo 0)"
  [ "$polled" -ge "$sources" ] && break
  sleep 0.5
done

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars \
  --screenshot="$PWD/docs/index.png" --window-size=1200,1400 "http://127.0.0.1:$port/" 2>/dev/null
echo "docs/index.png: $(stat -c %s docs/index.png) bytes"
