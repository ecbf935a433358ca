#!/usr/bin/env bash
# Headless Chromium for the report browser test (tests/plots/test_report.py).
#
#   tests/browser/setup_chromium.sh      print the path of a Chromium binary; install Debian's
#                                        `chromium` package first if none is found and this runs
#                                        as root with apt-get
#
# Exit codes: 0 found (path on stdout), 3 not installed and cannot be installed here (not root or
# no apt-get), 4 the installation failed. Messages go to stderr.
set -euo pipefail

log() { echo "setup_chromium.sh: $*" >&2; }

find_browser() {
    local b
    for b in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$b" >/dev/null 2>&1; then
            command -v "$b"
            return 0
        fi
    done
    return 1
}

if find_browser; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "chromium is not installed and cannot be installed here (needs root and apt-get)"
    exit 3
fi
log "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || {
        log "apt-get install chromium failed"
        exit 4
    }
fi
find_browser || { log "chromium installed but not found on PATH"; exit 4; }
