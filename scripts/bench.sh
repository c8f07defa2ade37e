#!/usr/bin/env bash
# What stackc costs, each figure beside the floor of the same work, in ONE
# run so the numbers share the machine's state. Prints Markdown tables (the
# README's) and writes them to RESULT.md. No test times anything: this is
# the measure.
#
#   scripts/bench.sh [RESULT.md]
#
# The binary measured is the one the release ships for Linux: the release
# build for musl, linked statically (it starts without the dynamic loader,
# and without glibc's static start-up, whose dozens of `cpuid`s each leave
# a virtual machine for the hypervisor), with mimalloc (Cargo.toml). It is
# linked twice, by LLVM's lld: the second time with the functions short
# runs execute placed together (scripts/startup-order.sh), so a run maps a
# few pages of code, not most of the binary (the release workflow does not
# do this second link yet). The start-up table also has the dynamically
# linked glibc build `cargo install` makes.
#
# Start-up: `stackc lint` of the seed spec beside starting a process
# (/bin/true), and `stackc build` of the seed beside the floor of its own
# durable writes (examples/durable_floor: files of the same sizes, the same
# fsyncs and rename, nothing else); the peer linters on the seed article's
# hand-written files when scripts/install-tools.sh has installed them.
#
# Scale: generated stacks of 10, 100, 1,000 and 10,000 services
# (examples/gen_spec): check, lint, build and fmt --check beside `wc -w` on
# the same file; wall and CPU time (hyperfine), peak memory (GNU time),
# instructions (callgrind: they do not depend on the machine's load), and
# the language server's re-check after an edit (examples/lsp_bench).
# Builds write a fresh folder each run, as the floor does; the last run's
# is moved aside, not deleted, until the end. ext4 skips the inodes freed
# in the last half minute when it allocates new ones, scanning past each:
# creating thousands of files right after deleting thousands costs it time
# that grows with the square of their number (10,000 services: seconds,
# in build and floor alike), a cost of the harness, not of a build.
#
# Needs hyperfine, valgrind and musl-tools (Debian packages; installed here
# if missing), the Rust target x86_64-unknown-linux-musl (added here if
# missing) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
result=${1:-target/bench.md}
sizes=(10 100 1000 10000)

missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v musl-gcc >/dev/null || missing+=(musl-tools)
[ ${#missing[@]} -eq 0 ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }
cargo build --release --locked --quiet --bin stackc
dynamic="$root/target/release/stackc"
musl=x86_64-unknown-linux-musl
rustup target list --installed | grep -qx "$musl" || rustup target add "$musl"
# lld, which Rust ships (the musl target links with the system's `ld`
# otherwise), reads the order file. Both links take the same flags (the
# order file's path, not its content), so the second one has the names the
# first one profiled. `--target` keeps the flags off build scripts.
host=$(rustc -vV | sed -n 's/^host: //p')
gcc_ld="$(rustc --print sysroot)/lib/rustlib/$host/bin/gcc-ld"
order="$root/target/startup-order.txt"
[ -f "$order" ] || : >"$order"
static() {
  RUSTFLAGS="-C relocation-model=static -C link-arg=-B$gcc_ld -C link-arg=-fuse-ld=lld -C link-arg=-Wl,--symbol-ordering-file=$order \
-C link-arg=-Wl,--no-warn-symbol-ordering" cargo build --release --locked --quiet --target "$musl" \
    --bin stackc --example gen_spec --example durable_floor --example lsp_bench
}
bin="$root/target/$musl/release"
stackc="$bin/stackc"
static
scripts/startup-order.sh "$stackc" "$order"
touch src/main.rs # the order file is no input cargo tracks: link again
static
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
# The preparation of a build: its last output moved aside (see above).
aside="$runs/aside"
cat >"$aside" <<'SH'
#!/bin/sh
[ ! -e "$1" ] || mv "$1" "$1.$(date +%s%N)"
SH
chmod +x "$aside"
raw="$runs/raw.jsonl"

# One line of JSON per measured command: its hyperfine times, peak memory
# and instructions.
record() { # GROUP NAME JSON PEAK_KB INSTRUCTIONS
  python3 - "$@" >>"$raw" <<'EOF'
import json, sys
group, name, path, peak, instructions = sys.argv[1:]
runs = {r["command"]: r for r in json.load(open(path))["results"]}
r = runs[name]
print(json.dumps({"group": group, "name": name, "wall": r["mean"], "wall_min": r["min"],
                  "cpu": r["user"] + r["system"], "peak_kb": int(peak) if peak else None,
                  "ir": int(instructions) if instructions else None}))
EOF
}

peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# Runs hyperfine on NAME=COMMAND pairs (a NAME starting with `build` gets
# its output folder removed before each run), then records each.
measure() { # GROUP JSON (NAME COMMAND PREPARE)...
  local group=$1 json=$2
  shift 2
  local args=() names=() commands=() prepares=()
  while [ $# -gt 0 ]; do
    names+=("$1")
    commands+=("$2")
    prepares+=("$3")
    args+=(--prepare "$3" -n "$1" "$2")
    shift 3
  done
  local i
  # Each command once first: one that fails would be timed on its error
  # path (and GNU time's and callgrind's exit status would end the script).
  for i in "${!names[@]}"; do
    local command prepare
    read -ra command <<<"${commands[$i]}"
    read -ra prepare <<<"${prepares[$i]}"
    "${prepare[@]}"
    "${command[@]}" >"$runs/output" 2>&1 || {
      echo "bench: \`${commands[$i]}\` failed:" >&2
      cat "$runs/output" >&2
      exit 1
    }
  done
  hyperfine -N --warmup 2 --min-runs 10 --export-json "$json" "${args[@]}" >/dev/null
  for i in "${!names[@]}"; do
    # The commands and preparations are plain words.
    local command prepare
    read -ra command <<<"${commands[$i]}"
    read -ra prepare <<<"${prepares[$i]}"
    "${prepare[@]}"
    local peak
    peak=$(peak_kb "${command[@]}")
    "${prepare[@]}"
    local ir
    ir=$(instructions "${command[@]}")
    record "$group" "${names[$i]}" "$json" "$peak" "$ir"
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------ start-up
# The seed as the README has a user set it up: its password file in place.
# The file is git-ignored, so a fresh clone has none, and its absence is a
# warning (`stackc lint` exits 1 on it). A copy: nothing is written to specs/.
cp -r specs "$runs/specs"
[ -f "$runs/specs/secrets/db_password.txt" ] || {
  mkdir -p "$runs/specs/secrets"
  echo "bench-only-password" >"$runs/specs/secrets/db_password.txt"
}
seed="$runs/specs/django.spec"
seed_out="$runs/seed-out"
floor_out="$runs/seed-floor"
"$stackc" build -q "$seed" -o "$seed_out"
measure startup "$runs/startup.json" \
  '/bin/true' /bin/true true \
  'stackc lint (seed)' "$stackc lint $seed" true \
  'stackc lint (seed), dynamically linked' "$dynamic lint $seed" true \
  'stackc build (seed)' "$stackc build $seed -o $runs/seed-build" "$aside $runs/seed-build" \
  'durable writes of the seed build' "$bin/examples/durable_floor $seed_out $floor_out" "$aside $floor_out"
peers_file=$runs/peers.md
handwritten=tests/fixtures/seed-handwritten
if [ -x "$tools/venv/bin/hadolint" ]; then
  peers="$tools/venv/bin/hadolint $handwritten/Dockerfile; $tools/venv/bin/hadolint $handwritten/nginx/Dockerfile; \
$tools/venv/bin/gixy $handwritten/nginx/nginx.conf; $tools/npm/node_modules/.bin/dclint $handwritten/compose.yaml"
  hyperfine -i --warmup 1 --min-runs 5 --export-markdown "$peers_file" \
    -n 'peers on the seed: hadolint x2, gixy, dclint' "sh -c '$peers'" >/dev/null
else
  echo "(peers not installed: run scripts/install-tools.sh)" >"$peers_file"
fi

# ------------------------------------------------------------ scale
for n in "${sizes[@]}"; do
  dir="$root/target/bench/$n"
  rm -rf "$dir"
  "$bin/examples/gen_spec" "$n" "$dir"
  spec="$dir/stack.spec"
  out="$runs/out-$n"
  "$stackc" build -q "$spec" -o "$out"
  measure "$n" "$runs/scale-$n.json" \
    'wc -w' "wc -w $spec" true \
    check "$stackc check $spec" true \
    lint "$stackc lint $spec" true \
    'fmt --check' "$stackc fmt --check $spec" true \
    build "$stackc build $spec -o $runs/build-$n" "$aside $runs/build-$n" \
    'durable writes' "$bin/examples/durable_floor $out $runs/floor-$n" "$aside $runs/floor-$n"
  stat -c "{\"group\": \"$n\", \"name\": \"spec\", \"bytes\": %s}" "$spec" >>"$raw"
done
specs=()
for n in "${sizes[@]}"; do specs+=("$root/target/bench/$n/stack.spec"); done
"$bin/examples/lsp_bench" "${specs[@]}" >"$runs/lsp.txt" 2>"$runs/stderr" || {
  echo "bench: examples/lsp_bench failed:" >&2
  cat "$runs/stderr" >&2
  exit 1
}
for n in "${sizes[@]}"; do
  dir="$root/target/bench/$n"
  grep -A1 "^$dir/stack.spec:" "$runs/lsp.txt" | python3 -c '
import json, re, sys
text = sys.stdin.read()
m = re.search(r"re-check.*?wall median ([0-9.]+) ms.*?CPU median ([0-9.]+) ms", text)
if not m:
    sys.exit(f"bench: examples/lsp_bench printed no re-check figures for {sys.argv[1]} services")
print(json.dumps({"group": sys.argv[1], "name": "lsp", "wall": float(m[1]) / 1000, "cpu": float(m[2]) / 1000}))
' "$n" >>"$raw"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------ tables
python3 - "$raw" "$load_before" "$load_after" "$(nproc)" "$peers_file" >"$result" <<'EOF'
import json, sys
raw, load_before, load_after, cores, peers_file = sys.argv[1:]
rows = [json.loads(line) for line in open(raw)]
def get(group, name):
    return next((r for r in rows if r["group"] == group and r["name"] == name), None)
ms = lambda s: f"{s * 1000:.1f}" if s is not None else "—"
mb = lambda kb: f"{kb / 1024:.0f}" if kb else "—"
ir = lambda n: f"{n / 1e6:.2f} M" if n else "—"
ratio = lambda a, b: f"{a / b:.2f}" if a and b else "—"
out = []
out.append(f"Load average {load_before} before, {load_after} after, on {cores} cores.\n")
out.append("| start-up | wall ms (mean, min) | CPU ms | peak MB | instructions | × floor (wall, CPU, instructions) |")
out.append("|:---|---:|---:|---:|---:|---:|")
true, lint = get("startup", "/bin/true"), get("startup", "stackc lint (seed)")
build, floor = get("startup", "stackc build (seed)"), get("startup", "durable writes of the seed build")
dynamic = get("startup", "stackc lint (seed), dynamically linked")
for r, base in [(true, None), (lint, true), (dynamic, true), (floor, None), (build, floor)]:
    times = f"{ms(r['wall'])}, {ms(r['wall_min'])}"
    vs = f"{ratio(r['wall'], base['wall'])}, {ratio(r['cpu'], base['cpu'])}, {ratio(r['ir'], base['ir'])}" if base else "floor"
    out.append(f"| `{r['name']}` | {times} | {ms(r['cpu'])} | {mb(r['peak_kb'])} | {ir(r['ir'])} | {vs} |")
out.append("")
out.append(open(peers_file).read().strip())
out.append("")
out.append("| services | spec | command | wall ms | CPU ms | × `wc -w` (wall, CPU) | peak MB | instructions | × the size ÷ 10 (wall, CPU, instructions) |")
out.append("|---:|---:|:---|---:|---:|---:|---:|---:|---:|")
sizes = sorted({int(r["group"]) for r in rows if r["group"].isdigit()})
names = ["wc -w", "check", "lint", "fmt --check", "build", "durable writes", "lsp"]
for n in sizes:
    spec = get(str(n), "spec")
    wc = get(str(n), "wc -w")
    for name in names:
        r = get(str(n), name)
        if not r:
            continue
        smaller = get(str(n // 10), name)
        label = {"lsp": "language server re-check", "durable writes": "durable writes (build's floor)"}.get(name, name)
        vs_wc = "floor" if name == "wc -w" else f"{ratio(r['wall'], wc['wall'])}, {ratio(r['cpu'], wc['cpu'])}"
        growth = f"{ratio(r['wall'], smaller['wall'])}, {ratio(r['cpu'], smaller['cpu'])}, {ratio(r.get('ir'), smaller.get('ir'))}" if smaller else ""
        out.append(f"| {n:,} | {spec['bytes'] / 1024:,.0f} kB | {label} | {ms(r['wall'])} | {ms(r['cpu'])} | {vs_wc} | {mb(r.get('peak_kb'))} | {ir(r.get('ir'))} | {growth} |")
out.append("")
big, prev = str(sizes[-1]), str(sizes[-2])
check = get(big, "check")
spec_mb = get(big, "spec")["bytes"] / 1e6
lint_big = get(big, "lint")
# Every command, the language server's re-check included.
commands = [c for c in ["check", "lint", "fmt --check", "build", "lsp"] if get(big, c) and get(prev, c)]
shown = lambda c: "language server re-check" if c == "lsp" else c
# The build's own work: the build less the floor of its durable writes
# (the file system's part, whose growth is ext4's, as the floor shows).
def own_build(n):
    build, floor = get(n, "build"), get(n, "durable writes")
    if not (build and floor):
        return None
    return {"wall": build["wall"] - floor["wall"], "cpu": build["cpu"] - floor["cpu"]}
own = {n: own_build(n) for n in (big, prev)}
growths = [(get(big, c), get(prev, c), shown(c)) for c in commands if c != "build" or not (own[big] and own[prev])]
if own[big] and own[prev]:
    growths.append((own[big], own[prev], "build, less its durable writes"))
worst = max((b["wall"] / p["wall"], c) for b, p, c in growths)
worst_cpu = max((b["cpu"] / p["cpu"], c) for b, p, c in growths)
out.append("| target | measured |")
out.append("|:---|:---|")
out.append(f"| {int(big):,}-service lint under 300 ms and 150 MB | {ms(lint_big['wall'])} ms wall, {ms(lint_big['cpu'])} ms CPU, {mb(lint_big['peak_kb'])} MB |")
out.append(f"| time({int(big):,}) / time({int(prev):,}) at most 11 | worst: {worst[0]:.1f} wall (`{worst[1]}`), {worst_cpu[0]:.1f} CPU (`{worst_cpu[1]}`) |")
if own[big] and own[prev]:
    whole = get(big, "build"), get(prev, "build")
    out.append(f"| the build, whole and less its durable writes | {whole[0]['wall'] / whole[1]['wall']:.1f} wall, {whole[0]['cpu'] / whole[1]['cpu']:.1f} CPU whole; {own[big]['wall'] / own[prev]['wall']:.1f} wall, {own[big]['cpu'] / own[prev]['cpu']:.1f} CPU less the writes (their floor alone: {get(big, 'durable writes')['cpu'] / get(prev, 'durable writes')['cpu']:.1f} CPU) |")
out.append(f"| parse + check at least 50 MB/s | {spec_mb / check['wall']:.0f} MB/s wall, {spec_mb / check['cpu']:.0f} MB/s CPU (`stackc check`, {spec_mb:.1f} MB) |")
out.append(f"| seed lint at most 2x `/bin/true` | {lint['wall'] / true['wall']:.2f}x wall, {lint['cpu'] / true['cpu']:.2f}x CPU, {ratio(lint['ir'], true['ir'])}x instructions |")
out.append(f"| seed build at most 2x its durable writes | {build['wall'] / floor['wall']:.2f}x wall, {build['cpu'] / floor['cpu']:.2f}x CPU |")
print("\n".join(out))
EOF
cat "$result"
