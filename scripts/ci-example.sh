#!/usr/bin/env bash
# The README's GitHub Actions example, step by step, on this machine: install callqa, write the
# reports with the gate of callqa.toml (against the committed baseline reports/results.json),
# append summary.md to the step summary, list the artifact. Exits with the gate's code: 0 held,
# 1 failed, 2 usage or input error.
#
#   scripts/ci-example.sh                   # cargo install --path . (reuses target/release), then the steps
#   scripts/ci-example.sh CALLS_DIR         # the calls to gate instead of fixtures/dev
#   CALLQA=target/debug/callqa scripts/ci-example.sh   # an already built binary (what tests/first_hour.rs does)
#
# GITHUB_STEP_SUMMARY, when set (as in GitHub Actions), receives the summary; otherwise it is
# printed. The reports go to a temporary directory (CALLQA_OUT to keep them somewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-fixtures/dev}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="${CALLQA_OUT:-$work/callqa-out}"

echo "::group::install" >&2
if [ -z "${CALLQA:-}" ]; then
    # - run: cargo install --path . --locked
    cargo install --path . --locked --root "$work/install" --quiet
    CALLQA="$work/install/bin/callqa"
fi
"$CALLQA" --version >&2
echo "::endgroup::" >&2

# - run: callqa report fixtures/dev --out callqa-out --config callqa.toml
status=0
"$CALLQA" report "$calls" --out "$out" --config callqa.toml || status=$?

# - run: cat callqa-out/summary.md >> "$GITHUB_STEP_SUMMARY"   (if: always())
if [ -f "$out/summary.md" ]; then
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"
    else
        echo "--- step summary (summary.md) ---"
        cat "$out/summary.md"
    fi
fi

# - uses: actions/upload-artifact@v4   (if: always(); name: callqa-report, path: callqa-out)
echo "artifact callqa-report: $(cd "$out" 2>/dev/null && ls | tr '\n' ' ')" >&2
case "$status" in
    0) echo "ci-example.sh: the gate held" >&2 ;;
    1) echo "ci-example.sh: the gate failed (exit 1), as the job would" >&2 ;;
    *) echo "ci-example.sh: usage or input error (exit $status)" >&2 ;;
esac
exit "$status"
