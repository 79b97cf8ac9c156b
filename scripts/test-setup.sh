#!/bin/sh
# System packages the test suite needs beyond Python, from Debian: chromium (the dashboard's browser
# test) and wrk (the benchmark's smoke run). Installs what is missing when this machine can (apt-get, as
# root or with sudo); says so otherwise, and the tests that need them are skipped.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$missing chromium"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = "0" ] || SUDO="sudo -n"
    if $SUDO true 2>/dev/null; then
        echo "test setup: installing$missing (Debian packages)" >&2
        $SUDO apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
        exit 0
    fi
fi
echo "test setup:$missing not installed and cannot be installed here; the tests that need them are skipped" >&2
