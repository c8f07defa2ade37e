#!/usr/bin/env bash
# Fuzzes the library (fuzz/fuzz_targets/pipeline.rs: parse, resolve, lint,
# emit, render, fmt) for SECONDS seconds (default 90), the corpus seeded
# with every spec in the repository. A crash leaves its input in
# fuzz/artifacts/pipeline/ and fails the script; add it as a regression
# test in tests/bad_input.rs.
#
# `scripts/fuzz.sh --build-only` builds the fuzz target as a run would and
# stops, so a later run starts at once.
#
# Stable Rust: cargo-fuzz builds with `--sanitizer none` (AddressSanitizer
# needs nightly; stackc has no unsafe code, so Rust's own checks plus debug
# assertions, `-a`, catch what it can get wrong).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-90}"
build_only=false
if [ "$seconds" = --build-only ]; then
    build_only=true
fi
version=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -qF "$version"; then
    cargo install --locked "cargo-fuzz@$version"
fi
# 16 codegen units, not cargo-fuzz's one: on two cores the one-unit build
# of the library took 7 minutes; the target runs a little slower. `build`
# and `run` take the same options, so a run after a build compiles nothing.
options=(--sanitizer none -a --codegen-units 16 pipeline)
if $build_only; then
    exec cargo fuzz build "${options[@]}"
fi
corpus=target/fuzz-corpus/pipeline
mkdir -p "$corpus"
# Seeds named by content: fixtures in different folders share file names.
# The compose files and nginx configs of the fixtures seed `stackc import`'s readers.
find specs tests/bad tests/lint tests/fmt tests/fixtures \( -name '*.spec' -o -name 'compose.yaml' -o -name '*.conf' \) -print0 |
    while IFS= read -r -d '' spec; do
        cp "$spec" "$corpus/seed-$(sha256sum "$spec" | cut -c1-16)"
    done
cargo fuzz run "${options[@]}" "$corpus" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1
