#!/usr/bin/env bash
# Debian's Chromium for the browser tests (a test tool's own browser download
# cannot work here), with the Noto fonts (fonts-noto-core) that cover Arabic
# and Cyrillic, so screenshots and Lighthouse see the Arabic and Ukrainian
# pages as a visitor's system fonts show them. Needs root, as in CI.
set -euo pipefail
has_fonts() { dpkg-query -W -f='${Status}' fonts-noto-core 2>/dev/null | grep -q "install ok installed"; }
if command -v chromium >/dev/null && has_fonts; then exit 0; fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-noto-core >/dev/null
chromium --version
