#!/usr/bin/env bash
# Throughput, scaling, peak RSS and cold start of the release binary, against bare jieba-rs
# segmentation of the same turn texts (issue #6). Prints one Markdown table (also written to
# target/bench/results.md).
#
#   scripts/bench.sh                 # 20k synthetic calls (seed 42), 1 and 2 threads, cold start
#   scripts/bench.sh --big           # also ~1 GiB of JSONL in one file: wall time and peak RSS
#   scripts/bench.sh --calls 5000 --seed 7 --repeat 5 --crosswoz
#   scripts/bench.sh --baseline /tmp/old/callqa   # also runs another build in the same rounds
#
# Options: --calls N (20000), --seed S (42), --repeat R (3 rounds, each running callqa and
# then bare jieba; the median wall time is reported, the largest peak RSS), --big, --big-mb M
# (1024), --baseline BIN (in every round, run this other callqa binary — an older build — on the
# same inputs right after this one, and report both, so that a change is compared with the code
# before it under the same load), --crosswoz (mix in 10% CrossWOZ dialogues from
# ../shared/corpora/crosswoz/test_compact.jsonl; off by default so the corpus is the same on
# every machine), --profile P (the cargo profile to build and time: release, or profiling for
# the same code with symbols, to profile what is measured), --nice (Linux, root: run in a new
# session whose scheduler autogroup gets nice -19, so that on a machine shared with other work
# the benchmark still gets both cores; plain `nice` does not help across sessions when
# kernel.sched_autogroup_enabled=1).
#
# Needs GNU time at /usr/bin/time for peak RSS; when it is missing this script installs the
# Debian package `time` with apt-get (root only). Uses hyperfine for cold start when it is on
# PATH, else a loop of 20 timed runs.
#
# Wall-clock figures are only as good as the machine is quiet: the script prints the load
# average and warns when something else is running. CPU seconds (user+sys) are reported too.
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SELF")/.."

CALLS=20000
SEED=42
REPEAT=3
BIG=0
BIG_MB=1024
CROSSWOZ=0
NICE=0
BASELINE=""
PROFILE=release
ARGS=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
        --calls) CALLS="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        --big) BIG=1; shift ;;
        --big-mb) BIG_MB="$2"; shift 2 ;;
        --crosswoz) CROSSWOZ=1; shift ;;
        --nice) NICE=1; shift ;;
        --baseline) BASELINE="$2"; shift 2 ;;
        --profile) PROFILE="$2"; shift 2 ;;
        -h | --help) sed -n '2,28p' "$SELF"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

if [ "$NICE" = 1 ]; then
    if [ -z "${BENCH_RENICED:-}" ]; then
        BENCH_RENICED=1 exec setsid -w "$SELF" "${ARGS[@]}"
    fi
    echo -19 >/proc/self/autogroup 2>/dev/null || echo "bench: --nice: cannot renice the autogroup (needs root and Linux autogroups)" >&2
fi

if [ ! -x /usr/bin/time ]; then
    echo "bench: GNU time (/usr/bin/time) is missing; installing the Debian package 'time' with apt-get" >&2
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

OUT=target/bench
mkdir -p "$OUT"
echo "bench: building the $PROFILE binary and examples" >&2
cargo build --profile "$PROFILE" --quiet --bin callqa --example gen_corpus --example bare_jieba
BIN=target/$PROFILE/callqa
GEN=target/$PROFILE/examples/gen_corpus
BARE=target/$PROFILE/examples/bare_jieba

CW_ARGS=()
CW_NOTE=""
if [ "$CROSSWOZ" = 1 ]; then
    CW=../shared/corpora/crosswoz/test_compact.jsonl
    [ -f "$CW" ] || { echo "bench: --crosswoz: $CW not found" >&2; exit 2; }
    CW_ARGS=(--crosswoz "$CW" --crosswoz-share 0.1)
    CW_NOTE=", 10% CrossWOZ"
fi

# The corpus: one file, and the same calls split into 16 files (callqa parallelizes across
# input files, so a single file shows what one big export gets).
TAG="$CALLS-$SEED"
if [ "$CROSSWOZ" = 1 ]; then TAG="$TAG-cw"; fi
CORPUS="$OUT/corpus-$TAG.jsonl"
SHARDS="$OUT/shards-$TAG"
if [ ! -s "$CORPUS" ]; then
    "$GEN" --calls "$CALLS" --seed "$SEED" "${CW_ARGS[@]}" --out "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
if [ ! -d "$SHARDS" ]; then
    mkdir -p "$SHARDS.tmp"
    split -n l/16 -d --additional-suffix=.jsonl "$CORPUS" "$SHARDS.tmp/part-"
    mv "$SHARDS.tmp" "$SHARDS"
fi
BYTES=$(stat -c %s "$CORPUS")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')

load() { cut -d' ' -f1 /proc/loadavg; }
LOAD0=$(load)
if awk -v l="$LOAD0" 'BEGIN { exit !(l > 0.5) }'; then
    echo "bench: WARNING: load average $LOAD0 before the run: other processes compete for the cores; wall times will be low" >&2
fi

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
max() { sort -g | tail -1; }

# once LABEL THREADS INPUT... : one run under /usr/bin/time, appended to the label's log
# (`RUN_BIN` overrides the binary, for --baseline).
once() {
    local label=$1 threads=$2
    shift 2
    /usr/bin/time -f '%e %U %S %M' -a -o "$OUT/time-$label.log" "${RUN_BIN:-$BIN}" score --format jsonl -j "$threads" "$@" >/dev/null
}
# summary LABEL: sets WALL (median s), CPU (median user+sys s), RSS (max KiB) over its runs.
summary() {
    local log="$OUT/time-$1.log"
    WALL=$(awk '{ print $1 }' "$log" | median)
    CPU=$(awk '{ print $2 + $3 }' "$log" | median)
    RSS=$(awk '{ print $4 }' "$log" | max)
    echo "bench: $1: wall ${WALL}s cpu ${CPU}s peak RSS ${RSS} KiB" >&2
}

# Rounds: each runs every callqa configuration once, then the bare-jieba yardstick (3 runs per
# thread count). Interleaving them means that when the machine's speed drifts (on a shared
# host it does, by tens of percent from one minute to the next) callqa and its yardstick are
# measured under the same conditions.
LABELS=(file-j1 file-j2 shards-j1 shards-j2)
for label in "${LABELS[@]}"; do : >"$OUT/time-$label.log" && : >"$OUT/time-base-$label.log"; done
: >"$OUT/bare-rounds.txt"
echo "bench: $REPEAT rounds over $CALLS calls ($MB MiB): callqa (1 file and 16 files, -j 1 and -j 2), then bare jieba-rs cut over the same turn texts" >&2
for round in $(seq "$REPEAT"); do
    echo "bench: round $round/$REPEAT" >&2
    once file-j1 1 "$CORPUS"
    once file-j2 2 "$CORPUS"
    once shards-j1 1 "$SHARDS"
    once shards-j2 2 "$SHARDS"
    if [ -n "$BASELINE" ]; then
        RUN_BIN=$BASELINE once base-file-j1 1 "$CORPUS"
        RUN_BIN=$BASELINE once base-file-j2 2 "$CORPUS"
        RUN_BIN=$BASELINE once base-shards-j1 1 "$SHARDS"
        RUN_BIN=$BASELINE once base-shards-j2 2 "$SHARDS"
    fi
    "$BARE" "$CORPUS" --threads 1,2 --repeat 3 >>"$OUT/bare-rounds.txt"
done
summary file-j1; F1_WALL=$WALL F1_CPU=$CPU F1_RSS=$RSS
summary file-j2; F2_WALL=$WALL F2_CPU=$CPU F2_RSS=$RSS
summary shards-j1; S1_WALL=$WALL S1_CPU=$CPU S1_RSS=$RSS
summary shards-j2; S2_WALL=$WALL S2_CPU=$CPU S2_RSS=$RSS
# The yardstick: per thread count, the round whose time is the median.
{
    grep -m1 '^corpus' "$OUT/bare-rounds.txt"
    for threads in 1 2; do
        lines=$(grep "^bare_jieba threads=$threads " "$OUT/bare-rounds.txt")
        secs=$(grep -o ' secs=[^ ]*' <<<"$lines" | cut -d= -f2 | median)
        grep -m1 " secs=$secs " <<<"$lines"
    done
} | tee "$OUT/bare.txt" >&2
# bare VALUE THREADS: a field of bare_jieba's line for that thread count.
bare() { grep "^bare_jieba threads=$2 " "$OUT/bare.txt" | grep -o " $1=[^ ]*" | cut -d= -f2 || true; }
TEXT_BYTES=$(grep '^corpus' "$OUT/bare.txt" | grep -o 'text_bytes=[^ ]*' | cut -d= -f2)
TURNS=$(grep '^corpus' "$OUT/bare.txt" | grep -o 'turns=[^ ]*' | cut -d= -f2)
J1_CALLS=$(bare calls_s 1) J2_CALLS=$(bare calls_s 2)
J1_MBS=$(bare text_mb_s 1) J2_MBS=$(bare text_mb_s 2)
# Per CPU-second (Linux); fall back to wall figures elsewhere.
J1_CPU_CALLS=$(bare cpu_calls_s 1)
J1_CPU_CALLS=${J1_CPU_CALLS:-$J1_CALLS}
J1_CPU_MBS=$(bare cpu_text_mb_s 1)
J1_CPU_MBS=${J1_CPU_MBS:-$J1_MBS}

echo "bench: cold start (one call: rubric, dictionary, score, JSON output)" >&2
COLD_CMD=("$BIN" score --format json fixtures/dev/faithful_contact.txt)
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 3 --runs 20 --export-json "$OUT/cold.json" -N "${COLD_CMD[*]}" >&2
    COLD_MED=$(python3 -c "import json; r = json.load(open('$OUT/cold.json'))['results'][0]; print(round(r['median'] * 1000, 1))")
    COLD_MIN=$(python3 -c "import json; r = json.load(open('$OUT/cold.json'))['results'][0]; print(round(r['min'] * 1000, 1))")
    COLD_HOW="hyperfine, 20 runs"
else
    for _ in 1 2 3; do "${COLD_CMD[@]}" >/dev/null; done
    : >"$OUT/cold.txt"
    : >"$OUT/cold-cpu.txt"
    for _ in $(seq 20); do
        t0=$(date +%s%N)
        /usr/bin/time -f '%U %S' -a -o "$OUT/cold-cpu.txt" "${COLD_CMD[@]}" >/dev/null
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000)) >>"$OUT/cold.txt"
    done
    COLD_MED=$(awk '{ printf "%.1f\n", $1 / 1000 }' "$OUT/cold.txt" | median)
    COLD_MIN=$(awk '{ printf "%.1f\n", $1 / 1000 }' "$OUT/cold.txt" | sort -g | head -1)
    COLD_CPU=$(awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$OUT/cold-cpu.txt" | median)
    COLD_HOW="20 runs, date +%s%N; CPU ${COLD_CPU} ms (user+sys, median)"
fi
/usr/bin/time -f '%M' -o "$OUT/cold-rss.txt" "${COLD_CMD[@]}" >/dev/null
COLD_RSS=$(cat "$OUT/cold-rss.txt")

if [ "$BIG" = 1 ]; then
    BIG_FILE="$OUT/big-$BIG_MB-$SEED.jsonl"
    if [ ! -s "$BIG_FILE" ]; then
        echo "bench: generating ~$BIG_MB MiB of JSONL" >&2
        "$GEN" --mb "$BIG_MB" --seed "$SEED" --out "$BIG_FILE.tmp" && mv "$BIG_FILE.tmp" "$BIG_FILE"
    fi
    BIG_BYTES=$(stat -c %s "$BIG_FILE")
    BIG_CALLS=$(wc -l <"$BIG_FILE")
    echo "bench: big: $BIG_CALLS calls, $BIG_BYTES bytes (one file; --max-file-bytes raised above the 256 MiB default)" >&2
    /usr/bin/time -f '%e %U %S %M' -o "$OUT/time-big.log" \
        "$BIN" score --format jsonl -j 2 --max-file-bytes $((BIG_BYTES + 1)) "$BIG_FILE" >/dev/null
    read -r BIG_WALL BIG_U BIG_S BIG_RSS <"$OUT/time-big.log"
    echo "bench: big: wall ${BIG_WALL}s peak RSS ${BIG_RSS} KiB" >&2
fi
LOAD1=$(load)

# ---------------------------------------------------------------------------------------------
f() { awk "BEGIN { printf \"$1\", $2 }"; }
callsps() { f "%.0f" "$CALLS / $1"; }
mbps() { f "%.2f" "$BYTES / 1048576 / $1"; }
mib() { f "%.0f" "$1 / 1024"; }
pct() { f "%.1f%%" "100 * $1 / $2"; }
scale() { f "%.2f×" "$1 / $2"; }
row() { # LABEL THREADS WALL CPU RSS
    echo "| $1 | $2 | $3 | $(callsps "$3") | $(mbps "$3") | $4 | $(callsps "$4") | $(mib "$5") MiB |"
}
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
FLAGS=""
if [ "$BIG" = 1 ]; then FLAGS="$FLAGS --big"; fi
if [ "$CALLS" != 20000 ]; then FLAGS="$FLAGS --calls $CALLS"; fi
if [ "$SEED" != 42 ]; then FLAGS="$FLAGS --seed $SEED"; fi
if [ "$REPEAT" != 3 ]; then FLAGS="$FLAGS --repeat $REPEAT"; fi
if [ "$CROSSWOZ" = 1 ]; then FLAGS="$FLAGS --crosswoz"; fi
if [ "$NICE" = 1 ]; then FLAGS="$FLAGS --nice"; fi
COMMIT=${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
S1_CALLS=$(callsps "$S1_WALL")
S1_CPU_CALLS=$(callsps "$S1_CPU")
{
    echo "### callqa performance ($COMMIT)"
    echo
    echo "Corpus: \`gen_corpus --calls $CALLS --seed $SEED\`$CW_NOTE: $CALLS calls, $TURNS turns, $MB MiB of JSONL" \
        "($(f "%.1f" "$TEXT_BYTES / 1048576") MiB of turn text). Machine: $(nproc) cores, $CPU_MODEL;" \
        "load average $LOAD0 before, $LOAD1 after. \`callqa score --format jsonl -j N > /dev/null\`, median of $REPEAT interleaved rounds (bare jieba: the median round, each the median of 3 runs);" \
        "CPU = user+sys; MB = MiB of JSONL input."
    echo
    echo "| input | threads | wall s | calls/s | MB/s | CPU s | calls per CPU-s | peak RSS |"
    echo "|---|---|---|---|---|---|---|---|"
    row "1 file" 1 "$F1_WALL" "$F1_CPU" "$F1_RSS"
    row "1 file" 2 "$F2_WALL" "$F2_CPU" "$F2_RSS"
    row "16 files" 1 "$S1_WALL" "$S1_CPU" "$S1_RSS"
    row "16 files" 2 "$S2_WALL" "$S2_CPU" "$S2_RSS"
    if [ -n "$BASELINE" ]; then
        for label in "${LABELS[@]}"; do
            summary "base-$label" 2>/dev/null
            row "baseline: $label" "${label##*-j}" "$WALL" "$CPU" "$RSS"
        done
    fi
    echo
    echo "| figure | value | target |"
    echo "|---|---|---|"
    echo "| bare jieba-rs \`cut(text, true)\`, same turns, 1 / 2 threads | $J1_CALLS / $J2_CALLS calls/s, $J1_MBS / $J2_MBS MB/s of turn text ($J1_CPU_CALLS calls and $J1_CPU_MBS MB per CPU-s) | |"
    echo "| callqa ÷ bare jieba, 1 thread, wall | $(pct "$S1_CALLS" "$J1_CALLS") | ≥ 50% |"
    echo "| callqa ÷ bare jieba, per CPU-second | $(pct "$S1_CPU_CALLS" "$J1_CPU_CALLS") | ≥ 50% |"
    echo "| scaling 1 → 2 threads, 1 file | $(scale "$F1_WALL" "$F2_WALL") | ≈ 2× |"
    echo "| scaling 1 → 2 threads, 16 files | $(scale "$S1_WALL" "$S2_WALL") (bare jieba $(scale "$J2_CALLS" "$J1_CALLS")) | ≈ 2× |"
    echo "| cold start, one call (\`score --format json fixtures/dev/faithful_contact.txt\`) | median $COLD_MED ms, min $COLD_MIN ms ($COLD_HOW); peak RSS $(mib "$COLD_RSS") MiB | ≤ 150 ms |"
    echo "| peak RSS, $CALLS calls ($MB MiB) | $(mib "$F1_RSS") MiB | |"
    if [ "$BIG" = 1 ]; then
        echo "| peak RSS, $BIG_CALLS calls ($(f "%.0f" "$BIG_BYTES / 1048576") MiB) in one file, -j 2 | $(mib "$BIG_RSS") MiB (wall $BIG_WALL s, CPU $(f "%.1f" "$BIG_U + $BIG_S") s) | ≤ 200 MiB |"
    fi
    echo
    echo "Command: \`scripts/bench.sh$FLAGS\`"
} | tee "$OUT/results.md"
