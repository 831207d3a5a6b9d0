"""A day of calls through callqa on Spark: read, pipe each partition through callqa, merge.

    spark-submit --master 'local[*]' examples/spark/callqa_spark.py \
        --binary target/release/callqa --jsonl day/ --out out/

    spark-submit --master yarn --files callqa-linux-x86_64#callqa \
        examples/spark/callqa_spark.py --binary callqa --jsonl s3a://bucket/calls/2026-12-07/ \
        --parquet s3a://bucket/tables/calls_2026_12_07 --out s3a://bucket/qa/2026-12-07/ --report report/

What it does:

1. Reads the day's calls: every `*.jsonl` / `*.ndjson` file under `--jsonl` (one record per
   non-blank line), and/or a Parquet table (`--parquet`) with the columns `id`, `meta`, `turns`
   (one record per row).
2. Frames each record with where it came from (`{"source", "line", "record", "records", "text"}`,
   see src/transcript/framed.rs), so callqa names it, numbers it and reports its errors exactly
   as `callqa report` over the same files would. A JSON Lines file is named as `callqa report
   DIR` names it (`DIR/sub/file.jsonl`, with DIR as given, or `--source-root`); a Parquet row is
   `TABLE:ROW` (1-based, in the order Spark reads the table).
3. Ships the binary to the executors (`SparkContext.addFile`, or `--files` of spark-submit) and
   pipes each partition through `callqa score --framed --format jsonl -`: one result line per
   record, call or error record, checked per partition (a partition whose output has another
   number of lines, or a callqa that exits non-zero, fails the task).
4. Writes the result lines to `OUT/results/` (text files, one per partition), then runs
   `callqa merge` over them into `--report` (default `OUT/report/` when OUT is a local folder):
   results.json, calls.csv, summary.md, junit.xml and report.html of one run over the whole day.

The binary must be built for the executors' platform (the cluster's Linux, e.g. `cargo build
--release --target x86_64-unknown-linux-musl`); the merge runs on the driver, with
`--merge-binary` (default: the same binary).
"""

import argparse
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import threading

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

BINARY_NAME = "callqa"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jsonl", action="append", default=[], help="folder (or file) of JSON Lines calls; repeatable")
    p.add_argument("--parquet", action="append", default=[], help="Parquet table with columns id, meta, turns; repeatable")
    p.add_argument("--source-root", help="name JSON Lines sources relative to this folder (default: each --jsonl as given)")
    p.add_argument("--out", required=True, help="where the result lines go (OUT/results/); any Hadoop path")
    p.add_argument("--report", help="local folder for the merged reports (default OUT/report when OUT is local)")
    p.add_argument("--binary", default=BINARY_NAME,
                   help="callqa for the executors: a local file to ship with addFile, or the name of a file "
                        "shipped with spark-submit --files (default: callqa)")
    p.add_argument("--merge-binary", help="callqa on the driver for the merge (default: --binary)")
    p.add_argument("--partitions", type=int, default=0, help="partitions to pipe (default: Spark's default parallelism)")
    p.add_argument("--threads", type=int, default=1, help="callqa threads per partition (-j); default 1, one per task core")
    p.add_argument("--rubric", help="rubric TOML, shipped to the executors (default: callqa's embedded rubric)")
    p.add_argument("callqa_args", nargs="*", help="more options for `callqa score` after --, e.g. -- --agent 小王")
    return p.parse_args(argv)


def local_path(path):
    """The local file system path of `path`, or None when it lives elsewhere (HDFS, S3 …)."""
    if path.startswith("file://"):
        return path[len("file://"):]
    if path.startswith("file:"):
        return path[len("file:"):]
    return None if "://" in path else path


def list_jsonl(spark, folder):
    """Every *.jsonl / *.ndjson file under `folder` (recursively), as (URI, path relative to it)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    root = jvm.org.apache.hadoop.fs.Path(folder)
    fs = root.getFileSystem(conf)
    status = fs.getFileStatus(root)
    qualified = fs.makeQualified(root).toString().rstrip("/")
    if status.isFile():
        return [(qualified, None)]
    files = []
    it = fs.listFiles(root, True)
    while it.hasNext():
        uri = it.next().getPath().toString()
        rel = uri[len(qualified):].lstrip("/")
        name = rel.rsplit("/", 1)[-1]
        # As callqa's walk: hidden files are skipped, extensions compared in lower case.
        if name.startswith("."):
            continue
        if name.lower().endswith((".jsonl", ".ndjson")):
            files.append((uri, rel))
    return sorted(files)


def source_name(given, rel, root):
    """The source callqa gives a file found under the folder `given` (as typed on its command line)."""
    if rel is None:
        return given
    base = root if root is not None else given
    return rel if base in ("", ".") else base.rstrip("/") + "/" + rel


def frame_file(source, data):
    """Frames of every non-blank line of one file's bytes, numbered as callqa's JSON Lines reader does."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # As callqa's decoding: CRLF and lone CR end lines too.
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    records = sum(1 for l in lines if l.strip())
    out = []
    record = 0
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        record += 1
        frame = {"source": source, "line": i + 1, "record": record, "records": records}
        try:
            frame["text"] = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            frame["error"] = f"invalid UTF-8 at byte offset {e.start} of the line; fix the export or re-encode it"
        out.append(json.dumps(frame, ensure_ascii=False))
    return out


def jsonl_frames(spark, given, root):
    files = list_jsonl(spark, given)
    if not files:
        return None
    names = {uri: source_name(given, rel, root) for uri, rel in files}
    rdd = spark.sparkContext.binaryFiles(",".join(uri for uri, _ in files))
    return rdd.flatMap(lambda kv: frame_file(names.get(kv[0], kv[0]), kv[1]))


def parquet_frames(spark, table):
    """One frame per row of the table, `TABLE:ROW` with ROW in the order Spark reads it."""
    df = spark.read.parquet(table).select("id", "meta", "turns")
    lines = df.select(F.to_json(F.struct("id", "meta", "turns")).alias("j")).rdd.map(lambda r: r[0])
    name = table.rstrip("/")
    return lines.zipWithIndex().map(
        lambda li: json.dumps({"source": name, "line": li[1] + 1, "record": li[1] + 1, "text": li[0]},
                              ensure_ascii=False))


def pipe_partition(binary, rubric, args):
    """A mapPartitions function: pipes a partition's frames through callqa, as RDD.pipe does,
    with the binary resolved on the executor (where addFile / --files put it)."""

    def run(frames):
        path = binary if os.path.isabs(binary) and os.path.exists(binary) else SparkFiles.get(binary)
        mode = os.stat(path).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        cmd = [path, "score", "--framed", "--format", "jsonl"] + list(args)
        if rubric:
            cmd += ["--rubric", SparkFiles.get(rubric)]
        cmd.append("-")
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sent = [0]

        def feed():
            try:
                for f in frames:
                    proc.stdin.write(f.encode("utf-8") + b"\n")
                    sent[0] += 1
            finally:
                proc.stdin.close()

        err = []
        t = threading.Thread(target=feed)
        e = threading.Thread(target=lambda: err.append(proc.stderr.read()))
        t.start()
        e.start()
        got = 0
        for line in proc.stdout:
            got += 1
            yield line.decode("utf-8").rstrip("\n")
        t.join()
        e.join()
        code = proc.wait()
        if code != 0:
            raise RuntimeError(f"callqa exited {code}: {b''.join(err).decode('utf-8', 'replace')[-2000:]}")
        if got != sent[0]:
            raise RuntimeError(f"callqa wrote {got} lines for {sent[0]} records: the stream lost records")
        # Memory of a task, in the executor's log: the callqa it ran and its Python worker.
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        worker = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"callqa: partition of {got} records, peak RSS callqa {child} MiB, python worker {worker} MiB",
              file=sys.stderr)

    return run


def merge(merge_binary, results_dir, report_dir, spark):
    """`callqa merge` of the result lines into report_dir (on the driver)."""
    local = local_path(results_dir)
    tmp = None
    if local is not None:
        parts = sorted(os.path.join(local, n) for n in os.listdir(local) if n.startswith("part-"))
    else:
        # Stream the lines down from the cluster's storage into one local file.
        tmp = tempfile.mkdtemp(prefix="callqa-merge-")
        parts = [os.path.join(tmp, "results.jsonl")]
        with open(parts[0], "w", encoding="utf-8") as f:
            for row in spark.read.text(results_dir).toLocalIterator():
                f.write(row[0] + "\n")
    try:
        subprocess.run([merge_binary, "merge", *parts, "--out", report_dir], check=True)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    args = parse_args(argv)
    if not args.jsonl and not args.parquet:
        sys.exit("give at least one --jsonl folder or --parquet table")
    spark = SparkSession.builder.appName("callqa").getOrCreate()
    sc = spark.sparkContext

    binary = args.binary
    if os.path.isfile(binary):
        sc.addFile(os.path.abspath(binary))
        merge_binary = args.merge_binary or os.path.abspath(binary)
        binary = os.path.basename(binary)
    else:
        merge_binary = args.merge_binary or shutil.which(binary) or binary
    score_args = ["-j", str(args.threads)] + args.callqa_args
    rubric = None
    if args.rubric:
        sc.addFile(os.path.abspath(args.rubric))
        rubric = os.path.basename(args.rubric)

    frames = [f for f in (jsonl_frames(spark, d, args.source_root) for d in args.jsonl) if f is not None]
    frames += [parquet_frames(spark, t) for t in args.parquet]
    if not frames:
        sys.exit("no *.jsonl / *.ndjson file under " + ", ".join(args.jsonl))
    records = sc.union(frames)
    partitions = args.partitions or sc.defaultParallelism
    records = records.repartition(partitions)

    counted = sc.accumulator(0)

    def count(line):
        counted.add(1)
        return line

    results_dir = args.out.rstrip("/") + "/results"
    if local_path(results_dir) is not None and os.path.exists(local_path(results_dir)):
        shutil.rmtree(local_path(results_dir))
    records.mapPartitions(pipe_partition(binary, rubric, score_args)).map(count).saveAsTextFile(results_dir)
    print(f"callqa: {counted.value} result lines in {results_dir} ({partitions} partitions)", file=sys.stderr)

    report_dir = args.report or (os.path.join(local_path(args.out), "report") if local_path(args.out) is not None else None)
    if report_dir is None:
        sys.exit(f"OUT is not local: give --report DIR for the merged reports (the lines are in {results_dir})")
    merge(merge_binary, results_dir, report_dir, spark)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
