#!/usr/bin/env bash
# Debian's Chromium for the browser tests (a test tool's own browser download
# cannot work here). Needs root, as in CI.
set -euo pipefail
if command -v chromium >/dev/null; then exit 0; fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
