#!/usr/bin/env bash
# Writes the functions a short stackc run executes, one linker symbol per
# line, for lld's `--symbol-ordering-file`: linked first and together, they
# share a few pages of the binary instead of being spread over all of it.
#
#   scripts/startup-order.sh STACKC ORDER
#
# Why: a `stackc lint` of one spec is mostly start-up, and in start-up the
# kernel's work dominates. Each page of code a run touches is mapped on
# first use, 64 KiB around it at a time, at about 4 µs each on a virtual
# machine. Linked in the compiler's order, the seed lint's code lies in 71
# of the binary's 122 such windows; linked in this order, in 22.
#
# The runs profiled (callgrind, which lists every function executed): the
# seed spec's lint first, then lint, check, fmt --check and build of every
# spec in specs/, the commands a pre-commit hook and an editor run. The
# names are those of the binary given, so the order only helps a build
# with the same compiler, flags and dependencies: scripts/bench.sh links
# twice, the second time with the order the first one wrote. A name the
# second link does not find is skipped (`--no-warn-symbol-ordering`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: scripts/startup-order.sh STACKC ORDER" >&2; exit 2; }
stackc=$1
order=$2
command -v valgrind >/dev/null || { echo "startup-order: needs valgrind" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

runs=0
profile() { # COMMAND...
  runs=$((runs + 1))
  # A run that finds problems exits non-zero; its functions count too.
  valgrind --tool=callgrind --demangle=no --compress-strings=no --dump-instr=no \
    --callgrind-out-file="$work/$(printf %03d "$runs").out" "$@" >/dev/null 2>&1 || true
}

profile "$stackc" lint specs/django.spec
for spec in specs/*.spec; do
  profile "$stackc" lint "$spec"
  profile "$stackc" check "$spec"
  profile "$stackc" fmt --check "$spec"
  profile "$stackc" build "$spec" -o "$work/out-$runs"
done

# Each function once, in the order the profiles first name it; callgrind's
# placeholders for code without a symbol (addresses, `(below main)`) are
# no linker names.
cat "$work"/*.out | sed -n 's/^c\{0,1\}fn=//p' | grep -v -e '^0x' -e '^(' |
  awk '!seen[$0]++' >"$order.new"
[ -s "$order.new" ] || { echo "startup-order: the profiles named no function" >&2; exit 1; }
mv "$order.new" "$order"
echo "startup-order: $(wc -l <"$order") functions from $runs runs in $order"
