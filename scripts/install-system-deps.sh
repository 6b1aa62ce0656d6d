#!/usr/bin/env bash
# System packages the tests need (Debian): chromium for the browser tests and for kaleido's chart export.
# Idempotent; run as root (or with sudo).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
