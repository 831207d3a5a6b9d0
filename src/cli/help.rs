//! The footers of every command's `--help`: two or three real examples, then the exit codes of
//! that command (not the gate's codes on a command that has no gate).

/// `callqa --help`.
pub const CALLQA: &str = "\
Examples:
  callqa score fixtures/dev/viol_op001_guarantee.txt   # one call: steps, criteria, findings
  callqa score fixtures/dev --format summary           # a batch in a screenful
  callqa report fixtures/dev --out /tmp/callqa-out     # the five report files

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
  callqa score calls/ --format jsonl -j 2 > results.jsonl

Formats: `table` (default) for a few calls, every step and finding; `summary` for a batch (the
aggregate, then one line per failing call); `json` for one document to keep or gate later;
`jsonl` for stream processors (one call per line, written as it is scored).

Exit codes:
  0  scored (and, with gate flags, the gate held)
  1  the gate failed (--min-score, --min-pass-rate, …, or --config)
  2  usage or rubric error, an unknown criterion or --group-by field, no input could be read,
     or with --strict any input could not be read";

/// `callqa report --help`.
pub const REPORT: &str = "\
Examples:
  callqa report fixtures/dev --out /tmp/callqa-out --group-by team
  callqa report calls/ --out callqa-out --config callqa.toml   # with the gate of callqa.toml
  callqa report calls/ --shard 2/8 --out parts/2               # then `callqa merge`

Exit codes:
  0  reports written (and, with gate flags, the gate held)
  1  reports written, and the gate failed
  2  usage or rubric error, an unknown criterion or --group-by field, no input could be read,
     or with --strict any input could not be read";

/// `callqa gate --help`.
pub const GATE: &str = "\
Examples:
  callqa gate /tmp/callqa-out/results.json --min-pass-rate 0.3 --max-auto-fail 20
  callqa gate /tmp/callqa-out/results.json --baseline reports/results.json --max-drop 2
  callqa gate callqa-out/results.json --config callqa.toml

Exit codes:
  0  the gate held
  1  the gate failed: a threshold was not met
  2  no thresholds given, an invalid or unknown one (a criterion the results do not have), or a
     results file that cannot be read";

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

Exit codes:
  0  merged
  2  a part that cannot be read, parts scored with different rubrics, or an unknown
     --group-by field";

/// `callqa explain --help`.
pub const EXPLAIN: &str = "\
Examples:
  callqa explain fixtures/dev/viol_op001_guarantee.txt
  callqa explain fixtures/dev/calls_batch.jsonl --call dev-jsonl-multi-viol
  callqa explain calls/ --call c-1042 --color always | less -R

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
