#!/usr/bin/env bash
# Checks systemd/regionfeed.service with `systemd-analyze verify` and prints its `systemd-analyze security`
# exposure. The unit and a built binary are laid out in a scratch root, so nothing is installed on the host.
# Usage: systemd/verify.sh [path/to/regionfeed]   (default: target/debug/regionfeed)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/debug/regionfeed}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/bin"
cp "$binary" "$root/usr/local/bin/regionfeed"
cp /bin/kill "$root/bin/kill"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp systemd/regionfeed.service "$root/etc/systemd/system/"
systemd-analyze verify --man=no --root="$root" "$root/etc/systemd/system/regionfeed.service"
echo "systemd-analyze verify: ok"
systemd-analyze security --offline=true --root="$root" regionfeed.service | tail -n 1
