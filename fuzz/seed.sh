#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the repository's own fixtures and rubrics (the
# corpus directory is not committed; libFuzzer grows it while it runs).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/readers corpus/pipeline corpus/rubric
for target in readers pipeline; do
  for dir in ../fixtures/dev ../fixtures/test ../fixtures/faults; do
    for f in "$dir"/*.txt "$dir"/*.json "$dir"/*.jsonl "$dir"/*.csv; do
      case "$f" in *.expect.json | *"*"*) ;; *) cp "$f" "corpus/$target/$(basename "$dir")-$(basename "$f")" ;; esac
    done
  done
done
cp ../rubrics/*.toml ../tests/data/*.toml corpus/rubric/
