#!/usr/bin/env bash
# Regenerates the committed sample reports in reports/ from fixtures/dev, on purpose.
#
#   scripts/regen-reports.sh              # rewrite reports/ (results.json, calls.csv, summary.md, junit.xml, report.html)
#   scripts/regen-reports.sh --screenshot # also re-render reports/report.png in headless Chromium
#   scripts/regen-reports.sh --out DIR    # write the same files elsewhere (what the test of this script does)
#
# `cargo test --test batch` fails when reports/ drifts from what the binary writes; after a
# deliberate change of the output, run this, review `git diff reports/` and commit it. The
# README's examples write outside the repository, so that trying them never touches reports/.
# CALLQA=path/to/callqa uses that binary instead of `cargo run`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=reports
screenshot=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --screenshot) screenshot=1; shift ;;
        *) echo "regen-reports.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
    esac
done
# The same command as the drift test (tests/batch.rs): fixtures/dev, default rubric, no grouping.
if [ -n "${CALLQA:-}" ]; then
    "$CALLQA" report fixtures/dev --out "$out" >/dev/null
else
    cargo run --locked --quiet -- report fixtures/dev --out "$out" >/dev/null
fi
if [ "$screenshot" = 1 ]; then
    CALLQA_UPDATE_SCREENSHOT=1 cargo test --locked --quiet --test html_browser
fi
echo "regen-reports.sh: wrote $out/; review with \`git diff $out\`" >&2
