#!/usr/bin/env python3
"""Intake benchmark: drop request files into a running `copydesk watch` and time each one from
its drop (the rename into the inbox) to its result (the result's appearance in the outbox),
both seen on this process's monotonic clock; the result is timed by inotify, never by mtimes.

Burst: N single-item requests written as dotfiles first, then dropped (renamed into view) as fast
as possible; reports files/s and latency p50/p99.
Low rate: requests dropped at a steady rate; reports latency p50/p99.
Durable writes stay on (copydesk always fsyncs). Each scenario runs --runs times on a fresh desk;
the median of the runs is printed last.
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

import bench_common
from bench_common import Watcher, percentile, start_watch


def make_desk(workers=None):
    return bench_common.make_desk("copydesk-bench.", config={"workers": workers} if workers else None)


def stage(root, i):
    """Writes request i as a dotfile in the inbox (ignored by copydesk until it is renamed)."""
    body = json.dumps({"template_id": "hello", "items": [{"id": str(i), "fields": {"name": "n%d" % i, "n": i}}]})
    temp = os.path.join(root, "inbox", ".b-%d.json.part" % i)
    with open(temp, "w") as f:
        f.write(body)
    return temp


def drop(root, i, temp):
    """The hand-over: the rename that makes the request visible. Returns its instant."""
    os.rename(temp, os.path.join(root, "inbox", "b-%d.json" % i))
    return time.monotonic()


# Desks are removed when every scenario is done: mass deletion between runs would leave ext4
# scanning past recently deleted inodes in the next run and measure the clean-up, not copydesk.
finished = []


def clean_up():
    for root in finished:
        shutil.rmtree(root, ignore_errors=True)
        os.unlink(root + ".log")


def scenario(binary, n, rate, workers=None):
    root = make_desk(workers)
    proc = start_watch(binary, root)
    watcher = Watcher(os.path.join(root, "outbox/default"))
    watcher.start()
    dropped = {}
    # The burst's files are written before the clock starts, so the figure is copydesk's rate,
    # not the producer's (writing 5,000 files alone runs at about 1,200/s on this machine's disk,
    # on the same two cores); the drop itself is the rename, as the hand-over protocol says.
    staged = [stage(root, i) for i in range(n)] if not rate else None
    began = time.monotonic()
    for i in range(n):
        if rate:
            target = began + i / rate
            pause = target - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            dropped[i] = drop(root, i, stage(root, i))
        else:
            dropped[i] = drop(root, i, staged[i])
    deadline = time.monotonic() + 600
    while watcher.count(".result.json") < n and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    # b-123-<hash>.result.json → 123, at its monotonic instant
    seen = {int(name.split("-")[1]): mono for name, (_, mono) in watcher.snapshot().items()
            if name.endswith(".result.json")}
    if len(seen) < n:
        raise RuntimeError("only %d of %d results; see %s.log" % (len(seen), n, root))
    latencies = [(seen[i] - dropped[i]) * 1000 for i in range(n)]
    elapsed = max(seen.values()) - began
    finished.append(root)
    return {"files_per_s": n / elapsed, "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99), "max_ms": max(latencies), "elapsed_s": elapsed}


def report(title, runs, keys):
    print("== " + title)
    for k, r in enumerate(runs, 1):
        print("  run %d: " % k + "  ".join("%s %.1f" % (key, r[key]) for key in keys))
    print("  median: " + "  ".join("%s %.1f" % (key, statistics.median(r[key] for r in runs)) for key in keys))
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--burst", type=int, default=5000, help="files in the burst scenario (0 skips it)")
    p.add_argument("--rate", type=float, default=50, help="files per second in the low-rate scenario (0 skips it)")
    p.add_argument("--seconds", type=float, default=20, help="length of the low-rate scenario")
    p.add_argument("--workers", type=int, help="the desk's workers setting (copydesk's default when omitted)")
    a = p.parse_args()
    print("copydesk intake benchmark: %d cores, durable writes on, %d runs each" % (os.cpu_count(), a.runs))
    if a.burst:
        runs = [scenario(a.binary, a.burst, 0, a.workers) for _ in range(a.runs)]
        report("burst: %d single-item files dropped at once (goal >= 1000 files/s)" % a.burst, runs,
               ["files_per_s", "p50_ms", "p99_ms", "max_ms"])
    if a.rate:
        n = int(a.rate * a.seconds)
        runs = [scenario(a.binary, n, a.rate, a.workers) for _ in range(a.runs)]
        report("low rate: %d files at %g files/s (goal p99 <= 20 ms)" % (n, a.rate), runs,
               ["p50_ms", "p99_ms", "max_ms"])


if __name__ == "__main__":
    try:
        main()
    finally:
        clean_up()
