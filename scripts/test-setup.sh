#!/bin/sh
# System packages the test suite needs beyond Python, from Debian: chromium (the dashboard's browser
# test) and wrk (the benchmark's smoke run). Installs what is missing when this machine can (apt-get, as
# root or with sudo); says so otherwise, and the tests that need them are skipped.
set -e
# Microsoft's jQuery SignalR 2 client and jQuery, for the real-time hubs' browser test, from the npm registry into
# the git-ignored tests/.node (skipped when already there or when npm is missing: those tests are skipped then).
node_dir="$(dirname "$0")/../tests/.node"
if [ ! -f "$node_dir/node_modules/signalr/jquery.signalR.js" ] || [ ! -f "$node_dir/node_modules/jquery/dist/jquery.min.js" ]; then
    if command -v npm >/dev/null 2>&1; then
        mkdir -p "$node_dir"
        npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error signalr@2.4.3 jquery@3.8.0 >/dev/null
    else
        echo "test setup: npm not found; the real-time hubs' browser tests are skipped" >&2
    fi
fi
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
