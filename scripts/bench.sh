#!/usr/bin/env bash
# How long `stackc lint` takes, beside starting a process (/bin/true) and the
# peer linters on the seed article's hand-written files (hadolint on both
# Dockerfiles, gixy on nginx.conf, dclint on compose.yaml), in ONE hyperfine
# run so the numbers share the machine's state. Prints a Markdown table.
#
#   scripts/bench.sh [RESULT.md]
#
# Needs scripts/install-tools.sh (the peers) and hyperfine (Debian package;
# installed here if missing). No test times anything: this is the measure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
result=${1:-target/bench.md}

command -v hyperfine >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine
}
cargo build --release --locked --quiet
stackc="$root/target/release/stackc"

# 100 specs: the example stacks, copied round-robin into one folder.
many=$(mktemp -d)
trap 'rm -rf "$many"' EXIT
specs=(specs/*.spec)
for i in $(seq 0 99); do
  cp "${specs[$((i % ${#specs[@]}))]}" "$many/stack-$i.spec"
done

seed=tests/fixtures/seed-handwritten
peers="$tools/venv/bin/hadolint $seed/Dockerfile; $tools/venv/bin/hadolint $seed/nginx/Dockerfile; \
$tools/venv/bin/gixy $seed/nginx/nginx.conf; $tools/npm/node_modules/.bin/dclint $seed/compose.yaml"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# -N: no intermediate shell, so /bin/true measures process start-up alone.
# -i: the peers exit non-zero on the seed's files (they find its mistakes).
hyperfine -N -i --warmup 3 --min-runs 20 --export-markdown "$result" \
  -n '/bin/true (start a process)' /bin/true \
  -n 'stackc lint specs/django.spec' "$stackc lint specs/django.spec" \
  -n 'stackc lint (100 specs)' "$stackc lint $many" \
  -n 'peers: hadolint x2, gixy, dclint' "sh -c '$peers'"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cat "$result"
