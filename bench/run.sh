#!/usr/bin/env bash
# Runs every benchmark scenario (BENCHMARKS.md). Installs nginx and wrk from Debian where missing (the
# serve scenario compares against nginx serving the same bytes); everything else comes from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light wrk
  else
    echo "nginx and wrk are missing: sudo apt-get install nginx-light wrk (the serve scenario is skipped without them)" >&2
  fi
fi
cargo build --release --bin regionfeed   # the scale scenario starts the real binary
exec cargo run --release --example bench -- "${@:-all}"
