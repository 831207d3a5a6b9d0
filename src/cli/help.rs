//! The footers of every command's `--help`: two or three real examples, then the exit codes of
//! that command (not the gate's codes on a command that has no gate).

/// `callqa --help`.
pub const CALLQA: &str = "\
Examples:
  callqa score fixtures/dev/viol_op001_guarantee.txt   # one call: steps, criteria, findings
  callqa score fixtures/dev --format summary           # a batch in a screenful
  callqa report fixtures/dev --out /tmp/callqa-out     # the report set

Exit codes:
  0  success (and the gate held)
  1  a check failed: the gate (gate, or gate flags on score/report), agreement below
     --min-agreement (calibrate), an example or a lint warning (rubric test/lint)
  2  usage, rubric or input error
Each command's --help lists its own.";

/// `callqa score --help`.
pub const SCORE: &str = "\
Examples:
  callqa score fixtures/dev/viol_op001_guarantee.txt
  callqa score fixtures/dev --format summary --limit 10
  callqa score calls/ --format jsonl -j 2 > results.jsonl   # error records included

Formats: `table` (default) for a few calls, every step and finding; `summary` for a batch (the
aggregate, then one line per failing call); `json` for one document to keep or gate later;
`jsonl` for stream processors (one line per input record, written as it is scored: the call, or
an error record for a record that could not be read; `callqa merge` joins such streams).
`score --framed --format jsonl -` is one stage of a pipeline (examples/spark): it reads framed
records from stdin and writes exactly one line per frame.

Exit codes:
  0  scored (and, with gate flags, the gate held); with --framed, every frame got its line,
     error records included
  1  the gate failed (--min-score, --min-pass-rate, --max-metric, …, or --config), or no call
     was evaluated (unless --allow-empty)
  2  usage or rubric error, an unknown criterion or --group-by field, a --baseline scored with
     another rubric (unless --allow-rubric-change), no input could be read, or with --strict
     any input (with --framed, any frame) could not be read";

/// `callqa report --help`.
pub const REPORT: &str = "\
Examples:
  callqa report fixtures/dev --out /tmp/callqa-out --group-by team
  callqa report calls/ --out callqa-out --config callqa.toml   # with the gate of callqa.toml
  callqa report calls/ --shard 2/8 --out parts/2               # then `callqa merge`

A shard (--shard) always writes its part, input errors included, for `callqa merge`.

Exit codes:
  0  reports written (and, with gate flags, the gate held)
  1  reports written, and the gate failed (or no call was evaluated, unless --allow-empty)
  2  usage or rubric error, an unknown criterion or --group-by field, a --baseline scored with
     another rubric (unless --allow-rubric-change), no input could be read, or with --strict
     any input could not be read";

/// `callqa gate --help`.
pub const GATE: &str = "\
Examples:
  callqa gate callqa-out/results.json --min-pass-rate 0.3 --max-metric silence_max_s:p90=8
  callqa gate /tmp/callqa-out/results.json --baseline reports/results.json --max-drop 2
  callqa gate callqa-out/results.json --config callqa.toml

Exit codes:
  0  the gate held
  1  the gate failed: a threshold was not met, no call was evaluated (unless --allow-empty), or
     a --max-metric bound with no timed call
  2  no thresholds given, an invalid or unknown one (a criterion the results do not have), a
     baseline scored with another rubric id or version (unless --allow-rubric-change, which
     lists what changed), or a results file that cannot be read";

/// `callqa compare --help`.
pub const COMPARE: &str = "\
Examples:
  callqa compare reports/results.json /tmp/callqa-out/results.json
  callqa compare old/results.json new/results.json --format markdown >> \"$GITHUB_STEP_SUMMARY\"

compare prints the differences and gives no verdict; `callqa gate --baseline` gives one.

Exit codes:
  0  the comparison was printed, whatever it shows
  2  a results file that cannot be read";

/// `callqa merge --help`.
pub const MERGE: &str = "\
Examples:
  callqa merge parts/*/results.json --out day/
  callqa merge part-1.jsonl part-2.jsonl part-3.jsonl > results.json
  callqa merge out/results/part-* --out out/report   # streams of `score --framed`

Parts are results.json files of `report --shard` and JSON Lines streams of `score --format
jsonl` (error records count as input errors), in any mix and order.

Exit codes:
  0  merged
  2  a part that cannot be read, the same part twice, parts scored with different rubrics,
     records in two parts, shards missing or given twice, or an unknown --group-by field";

/// `callqa explain --help`.
pub const EXPLAIN: &str = "\
Examples:
  callqa explain fixtures/dev/viol_op001_guarantee.txt
  callqa explain fixtures/dev/calls_batch.jsonl --call dev-jsonl-multi-viol
  callqa explain fixtures/asr/aliyun-filetrans.json   # a timed call: turn times and its timing

Exit codes:
  0  explained
  2  usage, rubric or input error, or no call with the --call id";

/// `callqa rules --help`.
pub const RULES: &str = "\
Examples:
  callqa rules
  callqa rules OP001
  callqa rules --rubric rubrics/bank-card-instalment.toml OP007

Exit codes:
  0  listed or shown
  2  an unknown code (the valid ones are listed) or a rubric that does not load";

/// `callqa calibrate --help`.
pub const CALIBRATE: &str = "\
Examples:
  callqa calibrate fixtures/test --labels fixtures/test
  callqa calibrate fixtures/test --labels fixtures/test --min-agreement 0.85 --format markdown
  callqa calibrate calls/ --labels qa-labels.csv --rubric my-rubric.toml

Exit codes:
  0  agreement measured (and at least --min-agreement)
  1  agreement below --min-agreement
  2  usage, rubric, label or input error, or no label matches a scored call";

/// `callqa rubric --help`.
pub const RUBRIC: &str = "\
Examples:
  callqa rubric new my-rubric.toml
  callqa rubric check my-rubric.toml
  callqa rubric lint my-rubric.toml --against calls/

Exit codes: see each subcommand's --help.";

/// `callqa rubric check --help`.
pub const RUBRIC_CHECK: &str = "\
Examples:
  callqa rubric check rubrics/changjiang-plan-upsell.toml
  callqa rubric check my-rubric.toml

Exit codes:
  0  the rubric is valid
  2  it is not (every problem with file:line:column and a hint), or it cannot be read";

/// `callqa rubric new --help`.
pub const RUBRIC_NEW: &str = "\
Examples:
  callqa rubric new my-rubric.toml
  callqa rubric new > starter.toml

Exit codes:
  0  written
  2  the file exists (pass --force) or cannot be written";

/// `callqa rubric schema --help`.
pub const RUBRIC_SCHEMA: &str = "\
Examples:
  callqa rubric schema > rubric.schema.json
  callqa rubric schema --include-file > include.schema.json

Exit codes:
  0  printed
  2  usage error";

/// `callqa rubric test --help`.
pub const RUBRIC_TEST: &str = "\
Examples:
  callqa rubric test rubrics/*.toml
  callqa rubric test my-rubric.toml --verbose

Exit codes:
  0  every example behaved as written
  1  an example failed
  2  the rubric does not load";

/// `callqa rubric lint --help`.
pub const RUBRIC_LINT: &str = "\
Examples:
  callqa rubric lint --against fixtures/dev rubrics/changjiang-plan-upsell.toml
  callqa rubric lint my-rubric.toml --against calls/ --deny-warnings --allow RL009

Exit codes:
  0  no warnings (or warnings without --deny-warnings)
  1  warnings with --deny-warnings
  2  the rubric or an input does not load";
