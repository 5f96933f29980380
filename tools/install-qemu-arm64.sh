#!/usr/bin/env bash
# Debian's qemu-user and the arm64 C library, so the arm64 Lambda binary can
# run on an x86_64 build machine (make infra-smoke). Needs root, as in CI.
set -euo pipefail
if command -v qemu-aarch64 >/dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then exit 0; fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends qemu-user libc6-arm64-cross >/dev/null
qemu-aarch64 --version | head -1
