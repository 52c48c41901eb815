#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine (Python and pip, Node's npm, Debian's apt).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[docs,serve,lsp,test]'
npm ci --no-audit --no-fund --loglevel=error  # elkjs, the site's graph layout (package-lock.json)
npm ci --prefix editors/vscode --no-audit --no-fund --loglevel=error --ignore-scripts  # the VS Code extension: grammar tests, packaging
# Debian's packages: chromium and chromium-driver for the browser tests, postgresql-15 for tests/test_postgres.py
# (its server binaries only: the tests start a throwaway cluster of their own, tests/pg.py).
PACKAGES=()
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then PACKAGES+=(chromium chromium-driver); fi
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then PACKAGES+=(postgresql-15); fi
if [ "${#PACKAGES[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi
