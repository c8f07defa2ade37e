#!/usr/bin/env bash
# The whole test suite, real validators included, on a fresh machine:
# installs the validators (scripts/install-tools.sh), then runs every test.
# A missing or changed snapshot fails the run (INSTA_UPDATE=no); review
# snapshot changes with `cargo insta review` before committing them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
export INSTA_UPDATE=no
cargo test --locked --all-targets --no-run

# tests/pre_commit.rs spends minutes compiling stackc as pip and `cargo
# install` do, while the other tests spend a third of theirs waiting on
# the validators they start: run side by side, each fills the other's
# idle time (cargo runs test files one after another).
separately=pre_commit
others=()
for file in tests/*.rs; do
    name=$(basename "$file" .rs)
    [ "$name" = "$separately" ] || others+=(--test "$name")
done
log=target/test-$separately.log
# Its own process group (job control), so a failing run can stop it and
# the builds and hooks it started.
set -m
cargo test --locked --test "$separately" >"$log" 2>&1 &
beside=$!
set +m
trap 'kill -- "-$beside" 2>/dev/null || true' EXIT
status=0
cargo test --locked --lib --bins --examples "${others[@]}" || status=$?
wait "$beside" || status=$?
cat "$log"
[ "$status" = 0 ] || exit "$status"
cargo test --locked --doc
