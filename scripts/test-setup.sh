#!/bin/sh
# System packages the test suite needs beyond Python: Debian's chromium for the dashboard's browser test.
# Installs them when missing and this machine can (apt-get, as root or with sudo); says so otherwise.
set -e
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = "0" ] || SUDO="sudo -n"
    if $SUDO true 2>/dev/null; then
        echo "test setup: installing Debian's chromium for the dashboard test" >&2
        $SUDO apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
        exit 0
    fi
fi
echo "test setup: chromium is not installed and cannot be installed here; the dashboard test will be skipped" >&2
