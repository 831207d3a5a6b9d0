#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then runs them.
#
#   scripts/test.sh            # cargo test --locked (unit, end-to-end, snapshots, browser)
#   scripts/test.sh --release  # any extra arguments go to cargo test
#
# tests/html_browser.rs renders report.html in headless Chromium; on Debian, when Chromium (or
# the CJK fonts its screenshots need) is missing, this installs the packages `chromium` and
# `fonts-noto-cjk` with apt-get (as root, or through sudo). Elsewhere, install Chromium yourself
# or point CALLQA_CHROMIUM at a Chromium or Chrome binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CALLQA_CHROMIUM:-}" ] && { ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }; then
    if command -v apt-get >/dev/null; then
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO="sudo"
        echo "test.sh: installing chromium and fonts-noto-cjk for the browser test" >&2
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
    else
        echo "test.sh: Chromium is missing and apt-get is not available; tests/html_browser.rs will fail" >&2
    fi
fi
exec cargo test --locked "$@"
