#!/usr/bin/env bash
# What of a release can be checked on this machine, each step timed:
#   1. .github/workflows/*.yml pass actionlint (with shellcheck on `run:`),
#      and this script passes shellcheck.
#   2. The static Linux binary (x86_64-unknown-linux-musl, Cargo.toml's
#      `dist` profile, as the release builds it) is static, names its
#      commit in `--version`, builds the seed spec, packs with its checksum
#      (scripts/archive.py), and passes the CLI tests.
#   3. `pip install .` into a fresh virtualenv puts `stackc` on its PATH,
#      naming its commit; it builds the seed spec and passes the CLI tests.
#   4. The sdist holds what a build needs; the Linux x86_64 wheel pip builds
#      from it (`dist` profile, no git checkout there; `--unoptimised`: as
#      step 3 builds) says the version alone, builds the seed spec and
#      passes the CLI tests.
#   5. The README's local pre-commit hook, which takes the published wheel,
#      installs that wheel (offline, from the folder step 4 built it in)
#      and lints only stack specs: a clean one passes, a bad one fails.
# Every pip build is offline: maturin comes from .tools/wheels.
#
# `--unoptimised` (CI) builds without optimisation or LTO (the `dist`
# profile, and the sdist's wheel as step 3 builds: the `release` profile,
# in the cargo folder of tests/pre_commit.rs; scripts/unoptimised-profile.env):
# what is checked here is the packaging
# (static linking, versions, the sdist's contents, the wheel), which the
# optimiser does not change, and the two fat-LTO builds would take most of
# CI's time on two cores. Before a release, run it without: as the release
# workflow builds.
# Installs what it needs (scripts/install-tools.sh: the Python tools and
# wheels, Debian's `file` and `musl-tools`; rustup: the musl target); a
# missing tool fails here, loudly. Builds go to target/ (or
# $CARGO_TARGET_DIR), so a second run is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Prints `CARGO_PROFILE_<PROFILE>_KEY=VALUE` for each setting of
# scripts/unoptimised-profile.env, for `env` or `export`.
unoptimised_profile() {
  grep -Ev '^(#|$)' scripts/unoptimised-profile.env | sed "s/^/CARGO_PROFILE_$1_/"
}

target=${CARGO_TARGET_DIR:-$root/target}
# Where and with which profile pip builds the wheel from the sdist: with
# the release workflow's `dist` profile in a cargo folder of its own, or,
# unoptimised, as `pip install .` builds (the `release` profile's folder
# of tests/pre_commit.rs, whose dependencies are compiled by then).
sdist_build=(CARGO_TARGET_DIR="$target/sdist-build")
unoptimised=false
case "${1:-}" in
  --unoptimised)
    unoptimised=true
    # shellcheck disable=SC2046 # one word per setting
    export $(unoptimised_profile DIST)
    # shellcheck disable=SC2207 # one word per setting
    sdist_build=(CARGO_TARGET_DIR="$target/pre-commit-build"
      MATURIN_PEP517_ARGS="--profile release" $(unoptimised_profile RELEASE))
    ;;
  "") ;;
  *) echo "usage: scripts/check-release.sh [--unoptimised]" >&2; exit 2 ;;
esac
tools="$root/.tools"
MUSL=x86_64-unknown-linux-musl

fail() { echo "check-release: $*" >&2; exit 1; }
step() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || fail "no version in Cargo.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tools_ready() {
  scripts/install-tools.sh >/dev/null
  for tool in actionlint shellcheck maturin; do
    [ -x "$tools/venv/bin/$tool" ] || fail "$tool is missing from $tools/venv"
  done
  if ! rustup target list --installed | grep -qx "$MUSL"; then
    rustup target add "$MUSL" || fail "cannot install the Rust target $MUSL"
  fi
  command -v file >/dev/null || fail "file(1) is missing (install-tools.sh installs it)"
  command -v musl-gcc >/dev/null || fail "musl-gcc is missing (install-tools.sh installs it): the musl build's allocator is C"
  # The binary the release builds are compared with: target/debug/stackc
  # as `cargo test` builds it (after scripts/test.sh, nothing to do).
  cargo test --locked --no-run --test cli
}

workflows_lint() {
  PATH="$tools/venv/bin:$PATH" actionlint .github/workflows/*.yml
  "$tools/venv/bin/shellcheck" scripts/check-release.sh
}

# The seed spec builds, into the same folder, the same files as with the
# binary cargo test built: the release build changes nothing.
builds_the_seed() {
  local stackc=$1 out=$work/out
  rm -rf "$out" "$work/expected"
  "$target/debug/stackc" build --color never specs/django.spec -o "$out" 2>/dev/null
  mv "$out" "$work/expected"
  "$stackc" build --color never specs/django.spec -o "$out"
  [ -s "$out/compose.yaml" ] || fail "$stackc wrote no compose.yaml"
  diff -r "$work/expected" "$out" || fail "$stackc wrote other files than target/debug/stackc"
}

expect_version() {
  local stackc=$1 expected=$2 actual
  actual=$("$stackc" --version)
  [ "$actual" = "$expected" ] || fail "$stackc --version says '$actual', expected '$expected'"
  echo "$actual"
}

cli_tests() {
  STACKC_UNDER_TEST=$1 INSTA_UPDATE=no cargo test --locked --test cli --test packaging
}

# The static Linux binary is linked at a fixed address (no PIE, as Go's
# are): a static PIE relocates itself at every start, 7,700 pointers each
# written into a page of `.data.rel.ro` copied on that first write (43 of
# a seed lint's 245 page faults, and their instructions). The price is the
# binary's own code at a known address; the stack, heap and mappings are
# still randomised. The flag is passed for `--target` builds only (here,
# scripts/bench.sh, the release workflow): a `rustflags` in
# .cargo/config.toml would also reach the proc-macros a musl host builds.
STATIC_RUSTFLAGS="-C relocation-model=static"

static_binary() {
  RUSTFLAGS="$STATIC_RUSTFLAGS" cargo build --locked --profile dist --target "$MUSL"
  local bin="$target/$MUSL/dist/stackc"
  file "$bin"
  file "$bin" | grep -Eq 'statically linked' || fail "$bin is not statically linked"
  # Linked at a fixed address (STATIC_RUSTFLAGS).
  file "$bin" | grep -q 'LSB executable' || fail "$bin is a PIE: STATIC_RUSTFLAGS did not reach it"
  # ldd fails on a binary with no program interpreter: its words decide.
  local linkage
  linkage=$(ldd "$bin" 2>&1 || true)
  grep -Eq 'not a dynamic executable|statically linked' <<<"$linkage" || fail "ldd: $bin is dynamic: $linkage"
  expect_version "$bin" "stackc $version ($(git log -1 --format='%h %cs'))"
  # Its allocator is built as .cargo/config.toml says: it reads no
  # MIMALLOC_* option (a verbose one would print its start-up).
  local chatter
  chatter=$(MIMALLOC_VERBOSE=1 MIMALLOC_SHOW_STATS=1 "$bin" --version 2>&1 >/dev/null)
  [ -z "$chatter" ] || fail "$bin reads MIMALLOC_* options (built without .cargo/config.toml's CFLAGS?): $chatter"
  # The archive a user downloads: its checksum verifies, its binary runs.
  local archive
  archive=$(python3 scripts/archive.py "$MUSL" "$bin" "$work/dist")
  (cd "$work/dist" && sha256sum -c "$(basename "$archive").sha256")
  tar -xzf "$archive" -C "$work"
  builds_the_seed "$work/stackc-$MUSL/stackc"
  cli_tests "$bin"
}

# `pip install .` in this checkout (in CI, a fresh clone) into a fresh
# virtualenv, as the README says. Built unoptimised into the cargo folder
# of tests/pre_commit.rs, which builds from git clones too and has the
# dependencies compiled with these settings.
pip_install() {
  python3 -m venv "$work/venv"
  # shellcheck disable=SC2046 # one word per setting
  env $(unoptimised_profile RELEASE) PIP_NO_INDEX=1 PIP_FIND_LINKS="$tools/wheels" \
    CARGO_TARGET_DIR="$target/pre-commit-build" MATURIN_PEP517_ARGS="--profile release" \
    "$work/venv/bin/pip" install -q --disable-pip-version-check "$root"
  # On PATH in the virtualenv, where pip puts a wheel's scripts.
  local stackc
  stackc=$(PATH="$work/venv/bin:$PATH" command -v stackc)
  [ "$stackc" = "$work/venv/bin/stackc" ] || fail "pip install . put no stackc on the virtualenv's PATH"
  expect_version "$stackc" "stackc $version ($(git log -1 --format='%h %cs'))"
  builds_the_seed "$stackc"
  cli_tests "$stackc"
}

# The sdist holds what a build needs, and pip builds the Linux x86_64 wheel
# from it as a user's pip would (`--unoptimised`: from it unpacked, see
# below), with the `dist` profile and without a git checkout: its stackc
# names no commit.
sdist_wheel() {
  "$tools/venv/bin/maturin" sdist --out "$work/sdist"
  local sdist="$work/sdist/stackc-$version.tar.gz"
  for needed in Cargo.toml Cargo.lock build.rs pyproject.toml grammar/stack.pest src/main.rs; do
    tar -tzf "$sdist" "stackc-$version/$needed" >/dev/null || fail "the sdist lacks $needed"
  done
  if tar -tzf "$sdist" | grep -q '/\.git/'; then fail "the sdist holds .git"; fi
  local source=$sdist
  if $unoptimised; then
    # In the cargo folder of the checkout's builds: unpacked here, as pip
    # would unpack it, but with every file's time now. Cargo takes this
    # source and the checkout for one package (build.rs), and would keep
    # a build of the checkout that the sdist's files (dated 2006 by
    # maturin) do not postdate, its `--version` text and its code.
    tar -xzf "$sdist" -C "$work/sdist" --touch
    source=$work/sdist/stackc-$version
  fi
  env PIP_NO_INDEX=1 PIP_FIND_LINKS="$tools/wheels" "${sdist_build[@]}" \
    "$tools/venv/bin/pip" wheel -q --disable-pip-version-check --no-deps -w "$work/wheels" "$source"
  local whl
  whl=$(compgen -G "$work/wheels/stackc-$version-py3-none-*linux*_x86_64.whl") || fail "no Linux x86_64 wheel"
  echo "built $(basename "$whl")"
  python3 -m venv "$work/sdist-venv"
  "$work/sdist-venv/bin/pip" install -q --disable-pip-version-check --no-index "$whl"
  expect_version "$work/sdist-venv/bin/stackc" "stackc $version"
  builds_the_seed "$work/sdist-venv/bin/stackc"
  cli_tests "$work/sdist-venv/bin/stackc"
}

# The ```yaml block of README.md that declares a `repo: local` hook taking
# the wheel (the other, `language: system`, is tests/pre_commit.rs's).
readme_local_hook() {
  python3 - <<'PY'
import re, sys
blocks = re.findall(r"```yaml\n(.*?)```", open("README.md", encoding="utf-8").read(), re.S)
local = [b for b in blocks if "repo: local" in b and "language: python" in b]
if len(local) != 1:
    sys.exit(f"check-release: README.md has {len(local)} `repo: local` wheel hook blocks, expected 1")
print(local[0], end="")
PY
}

readme_hook() {
  local repo=$work/hook-repo config
  config=$(readme_local_hook)
  grep -qF "\"stackc==$version\"" <<<"$config" || fail "README.md's local hook does not pin stackc==$version"
  mkdir "$repo"
  git -C "$repo" init -q
  printf '%s' "$config" > "$repo/.pre-commit-config.yaml"
  # The seed spec with the app and the secret file it names.
  cp specs/django.spec "$repo/stack.spec"
  cp -r specs/app "$repo/app"
  mkdir "$repo/secrets" && echo stand-in > "$repo/secrets/db_password.txt"
  printf 'Name:           hello\nVersion:        2.10\n' > "$repo/hello.spec"
  git -C "$repo" add -A
  run_hook() {
    (cd "$repo" && PRE_COMMIT_HOME="$work/pre-commit-home" PIP_NO_INDEX=1 \
      PIP_FIND_LINKS="$work/wheels $tools/wheels" \
      "$tools/venv/bin/pre-commit" run --all-files --color never)
  }
  run_hook || fail "the README's hook fails on a clean spec beside an RPM spec"
  cp tests/lint/default-credentials/trigger.spec "$repo/bad.spec"
  git -C "$repo" add bad.spec
  local output
  if output=$(run_hook); then fail "the README's hook passes a spec with a default password"; fi
  echo "$output"
  grep -q 'default-credentials' <<<"$output" || fail "the README's hook did not report bad.spec"
  # The environment holds the wheel, not a build of the source.
  compgen -G "$work/pre-commit-home/repo*/py_env-*/bin/stackc" >/dev/null || fail "no stackc in the hook's environment"
}

total=$SECONDS
step "tools" tools_ready
step "actionlint" workflows_lint
step "static musl binary" static_binary
step "pip install ." pip_install
step "sdist and its wheel" sdist_wheel
step "README's pre-commit hook, from the wheel" readme_hook
echo "check-release: all passed in $((SECONDS - total)) s"
