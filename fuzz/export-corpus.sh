#!/usr/bin/env bash
# Writes each target's corpus, minimised to the entries that reach distinct code edges (libFuzzer merge with
# hit counts ignored, so far fewer entries than `cargo fuzz cmin` keeps), to tests/fixtures/fuzz/<target>.hex:
# one hex-encoded entry per line, for tests/fuzz_regressions.rs. Findings go on top by hand, under a `#`
# line that says what they found; this script keeps such `#` lines and the entry after each.
# Usage: fuzz/export-corpus.sh [target…]   (default: every target; run the targets first, README)
set -euo pipefail
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode_parse dates canonical_link query sanitise_html)
RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none >/dev/null 2>&1
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p ../tests/fixtures/fuzz
for target in "${targets[@]}"; do
  minimised=$(mktemp -d)
  "$bin/$target" -merge=1 -use_counters=0 "$minimised" "corpus/$target" >/dev/null 2>&1
  out="../tests/fixtures/fuzz/$target.hex"
  python3 - "$target" "$minimised" "$out" <<'PY'
import os, sys
target, minimised, out = sys.argv[1:4]
kept = []
if os.path.exists(out):
    lines = open(out).read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith('#') and 'distinct edges' not in line and i + 1 < len(lines):
            kept += [line, lines[i + 1]]
entries = sorted(open(os.path.join(minimised, name), 'rb').read() for name in os.listdir(minimised))
with open(out, 'w') as f:
    for line in kept:
        f.write(line + '\n')
    f.write(f'# {len(entries)} entries: the corpus of `{target}` minimised to distinct edges\n')
    for entry in entries:
        f.write(entry.hex() + '\n')
PY
  rm -rf "$minimised"
  echo "$target: $(grep -vc '^#' "$out") entries, $(wc -c < "$out") bytes"
done
