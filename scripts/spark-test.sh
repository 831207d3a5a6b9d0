#!/usr/bin/env bash
# The Spark route end to end (issue 21): examples/spark/callqa_spark.py in local mode with 2
# cores over a day of calls with bad records mixed in — JSON Lines files in folders and a
# Parquet table — and checks that the merged reports are byte for byte those of one
# `callqa report` over the same records, and that read = calls + errors = records.
#
#   scripts/spark-test.sh                        # the CI check (debug binary, 600 calls)
#   CALLQA_BIN=target/release/callqa SPARK_TEST_CALLS=20000 scripts/spark-test.sh --time
#                                                # the README's throughput figures
#
# Installs what it needs when missing: pyspark with pip, and a JRE with apt-get (only when
# there is no `java`). Fails loudly (exit 1, the differing file named) on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
timing=false
[ "${1:-}" = "--time" ] && timing=true

if ! command -v java >/dev/null; then
    echo "spark-test.sh: installing a JRE for Spark" >&2
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi
if ! python3 -c 'import pyspark' 2>/dev/null; then
    echo "spark-test.sh: installing pyspark" >&2
    python3 -m pip install --quiet pyspark
fi
submit=$(command -v spark-submit || true)
[ -n "$submit" ] || submit="$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')/bin/spark-submit"

bin=${CALLQA_BIN:-}
if [ -z "$bin" ]; then
    cargo build --locked --quiet
    bin=target/debug/callqa
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
calls=${SPARK_TEST_CALLS:-600}
partitions=${SPARK_TEST_PARTITIONS:-6}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/spark" "$work/single"
cargo run --locked --quiet --example gen_corpus -- --calls "$calls" --seed 21 --out "$work/all.jsonl"

# A day as an exporter leaves it: files in folders, a BOM, CRLF, blank lines, a record without
# an id, and bad records — cut-off JSON, junk, a call without turns, a JSON array, a call id
# used twice (in two files) — plus the Parquet table's calls (good ones: a table has a schema).
python3 - "$work" <<'EOF'
import json, os, sys
work = sys.argv[1]
calls = [json.loads(l) for l in open(os.path.join(work, "all.jsonl"), encoding="utf-8")]
table, day = calls[: len(calls) // 5], calls[len(calls) // 5 :]
files = ["day/team-a/morning.jsonl", "day/team-a/afternoon.jsonl", "day/team-b/all.jsonl",
         "day/sim/agent-v2.jsonl", "day/late.ndjson"]
chunks = [day[i :: len(files)] for i in range(len(files))]
bad = ['{"id": "cut-off", "turns": [{"speaker": "坐席", "text": "您好',
       "exporter crashed here",
       '{"id": "no-turns", "meta": {"team": "外呼二组"}, "turns": []}',
       '[{"speaker": "坐席", "text": "数组"}]']
for n, (name, chunk) in enumerate(zip(files, chunks)):
    lines = [json.dumps(c, ensure_ascii=False) for c in chunk]
    for k, b in enumerate(bad):
        lines.insert(min(len(lines), 3 + 7 * k + n), b)
    lines.insert(5, "")
    if n == 1:
        lines.append(json.dumps(dict(chunk[0]), ensure_ascii=False))  # the id of this file's first call again
        noid = dict(chunk[1]); noid.pop("id"); lines.append(json.dumps(noid, ensure_ascii=False))
    sep = "\r\n" if n == 2 else "\n"
    data = sep.join(lines) + sep
    path = os.path.join(work, "spark", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write((b"\xef\xbb\xbf" if n == 3 else b"") + data.encode("utf-8"))
os.makedirs(os.path.join(work, "single", "tables"))
with open(os.path.join(work, "single", "tables", "calls"), "w", encoding="utf-8") as f:
    for c in table:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
EOF
cp -r "$work/spark/day" "$work/single/day"

# The Parquet table (columns id, meta, turns), rows in the order of the JSON Lines file that
# the single run reads under the same name.
cat > "$work/to_parquet.py" <<'EOF'
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").appName("to-parquet").getOrCreate()
spark.read.json(sys.argv[1]).select("id", "meta", "turns").coalesce(1).write.parquet(sys.argv[2])
spark.stop()
EOF
mkdir -p "$work/spark/tables"
"$submit" --master 'local[1]' --conf spark.log.level=WARN "$work/to_parquet.py" "$work/single/tables/calls" "$work/spark/tables/calls" 2>"$work/parquet.log" \
    || { cat "$work/parquet.log" >&2; exit 1; }

# One run over everything: the reference.
(cd "$work/single" && "$bin" report day tables/calls --out report >/dev/null 2>"$work/single.log") \
    || { cat "$work/single.log" >&2; echo "spark-test.sh: the single run failed" >&2; exit 1; }

echo "spark-test.sh: corpus and reference ready after ${SECONDS}s" >&2
sampler=""
if $timing; then
    # The executor's memory: in local mode the driver's JVM is the executor.
    (while :; do ps -C java -o rss= 2>/dev/null || true; sleep 0.5; done) >"$work/java.rss" &
    sampler=$!
fi
start=$EPOCHREALTIME
(cd "$work/spark" && "$submit" --master 'local[2]' --driver-memory 1g --conf spark.log.level=WARN \
    "$repo/examples/spark/callqa_spark.py" --binary "$bin" --jsonl day --parquet tables/calls \
    --partitions "$partitions" --out out) >"$work/spark.log" 2>&1 \
    || { tail -50 "$work/spark.log" >&2; echo "spark-test.sh: the Spark job failed" >&2; exit 1; }
spark_secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true

status=0
for f in results.json calls.csv summary.md junit.xml report.html; do
    if ! cmp -s "$work/single/report/$f" "$work/spark/out/report/$f"; then
        echo "spark-test.sh: MISMATCH: $f of the Spark run differs from the single run" >&2
        diff <(head -c 200000 "$work/single/report/$f") <(head -c 200000 "$work/spark/out/report/$f") | head -20 >&2 || true
        status=1
    fi
done
parts=$(ls "$work/spark/out/results" | grep -c '^part-' || true)
records=$(cd "$work/spark" && cat day/*/*.jsonl day/*.ndjson | tr -d '\r' | grep -cv '^\s*$' || true)
rows=$(grep -c . "$work/single/tables/calls")
python3 - "$work/spark/out/report/results.json" "$((records + rows))" "$parts" "$partitions" <<'EOF' || status=1
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
a = r["aggregate"]
records, parts, partitions = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"spark-test.sh: {parts} partitions; read {a['read']} = {a['calls']} calls + {a['errors']} errors; {records} records")
ok = a["read"] == a["calls"] + a["errors"] == records == len(r["calls"]) + len(r["errors"])
ok = ok and a["errors"] >= 20 and parts == partitions >= 4
if not ok:
    print("spark-test.sh: MISMATCH: not every record is counted once", file=sys.stderr)
    sys.exit(1)
EOF
if [ "$status" != 0 ]; then
    echo "spark-test.sh: FAILED (the Spark log: $work/spark.log is removed on exit; tail follows)" >&2
    tail -30 "$work/spark.log" >&2
    exit 1
fi
grep -h '^callqa:' "$work/spark.log" >&2 || true
echo "spark-test.sh: ok — the merged reports of the Spark run are byte for byte the single run's (Spark job ${spark_secs}s)"

if $timing; then
    # The same records through plain `callqa score -j 2` (JSON Lines out), for the README.
    mkdir -p "$work/plain" && cp -r "$work/spark/day" "$work/plain/" && cp "$work/single/tables/calls" "$work/plain/calls.jsonl"
    start=$EPOCHREALTIME
    (cd "$work/plain" && /usr/bin/time -f '%M' -o "$work/plain.rss" "$bin" score -j 2 --format jsonl day calls.jsonl >/dev/null 2>&1) || true
    plain_secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    echo "spark-test.sh: $records + $rows records: Spark local[2] ${spark_secs}s, callqa score -j 2 ${plain_secs}s (peak $(( $(cat "$work/plain.rss") / 1024 )) MiB)"
    echo "spark-test.sh: peak RSS of the Spark JVM (driver = executor in local mode): $(( $(sort -n "$work/java.rss" | tail -1) / 1024 )) MiB"
    grep -h 'peak RSS' "$work/spark.log" | sort | uniq -c | sort -rn | head -8 || true
fi
