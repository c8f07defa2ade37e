#!/usr/bin/env bash
# The whole test suite, real validators included, on a fresh machine:
# installs the validators (scripts/install-tools.sh), then runs every test.
# A missing or changed snapshot fails the run (INSTA_UPDATE=no); review
# snapshot changes with `cargo insta review` before committing them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
INSTA_UPDATE=no cargo test --locked --all-targets
INSTA_UPDATE=no cargo test --locked --doc
