#!/bin/sh
# What the test suite needs beyond Python: npm packages (below) and, from Debian, chromium (the browser
# tests) and wrk (the benchmark's smoke run). Installs what is missing when this machine can (apt-get, as
# root or with sudo); says so otherwise, and the tests that need them are skipped.
set -e
# npm packages, into git-ignored folders of the repo (skipped when already there, or when npm is missing:
# the tests that need them are skipped then).
npm_into() {  # npm_into FOLDER FILE-THAT-SHOWS-IT-IS-THERE PACKAGE...
    folder="$(dirname "$0")/../$1"; shift
    marker="$1"; shift
    [ -e "$folder/node_modules/$marker" ] && return 0
    if command -v npm >/dev/null 2>&1; then
        mkdir -p "$folder"
        npm install --prefix "$folder" --no-audit --no-fund --loglevel=error "$@" >/dev/null
    else
        echo "test setup: npm not found; not installing $*" >&2
    fi
}
# Microsoft's jQuery SignalR 2 client and jQuery, for the real-time hubs' browser test.
npm_into tests/.node signalr/jquery.signalR.js signalr@2.4.3 jquery@3.8.0
# mqtt.js, the MQTT client of Node and browser apps, for the CloudLink websocket notifications' keep-alive test.
npm_into tests/.node mqtt/package.json mqtt@5.16.0
# Prism, which the benchmark measures beside the simulator (loadtests/bench.py, measurement f).
npm_into loadtests/.node .bin/prism @stoplight/prism-cli@5.16.0
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
