#!/usr/bin/env python3
"""Scheduling benchmark.

Admission: one native request of N items (1,000,000 by default) distributed over a day, starting
10 minutes from now, run through `copydesk process` under /usr/bin/time -v. Admission is timed
from the process's start to the request's rename into archive/ (seen through inotify): by then
the batch is durable (marker, status with every item's due instant) and the input archived. The
pass then generates the items due within the lead time (2 h: about 76,000) and exits; its
wall time and peak RSS (the whole pass) are reported too.

Lateness: a running `copydesk watch` is given one native request of M items (10,000) distributed
over S seconds (60) of real time, starting a few seconds after the drop. Each publication is seen
through inotify on the batch's published/ folder (the rename of the item's file into place);
its lateness is that instant minus the item's scheduled instant, both on the wall clock.
Reports p50, p99 and max; the median of the runs is printed last.
"""
import argparse, hashlib, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

import bench_common
from bench_common import Watcher, percentile


def make_desk(config):
    return bench_common.make_desk("copydesk-bench-schedule.", config=config)


def iso(seconds):
    ms = int(round(seconds * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def request_bytes(n, start, end):
    """A native request of n items distributed over [start, end] (Unix seconds, whole ms)."""
    head = json.dumps({"template_id": "hello",
                       "schedule": {"strategy": "distribute", "start": iso(start), "end": iso(end)}})[:-1]
    items = ",".join('{"id":"r%d","fields":{"name":"n%d","n":%d}}' % (i, i, i) for i in range(n))
    return (head + ', "items": [' + items + "]}").encode()


def batch_id(name, data):
    stem = re.sub(r"[^A-Za-z0-9_.]+", "-", name.rsplit(".", 1)[0]).strip(".-") or "batch"
    return stem[:64] + "-" + hashlib.sha256(data).hexdigest()[:8]


def drop(root, name, data):
    temp = os.path.join(root, "inbox", "." + name + ".part")
    with open(temp, "wb") as f:
        f.write(data)
    os.rename(temp, os.path.join(root, "inbox", name))


finished = []


def clean_up():
    for root in finished:
        shutil.rmtree(root, ignore_errors=True)
        if os.path.exists(root + ".log"):
            os.unlink(root + ".log")


def admission(binary, n):
    config = {"limits": {"max_items": max(n, 100000), "max_file_bytes": 1 << 30}}
    root = make_desk(config)
    finished.append(root)
    now = time.time()
    start = int(now) + 600
    data = request_bytes(n, start, start + 86400)
    drop(root, "day.json", data)
    watcher = Watcher(os.path.join(root, "archive/default"))
    watcher.start()
    log = open(root + ".log", "w")
    began = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v", binary, "process", root, "--log-level", "warn"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    total = time.monotonic() - began
    log.write(proc.stdout + proc.stderr)
    log.close()
    if proc.returncode != 0:
        raise RuntimeError("copydesk process failed (%d); see %s.log" % (proc.returncode, root))
    archived = [t for name, t in watcher.snapshot().items() if name.endswith(".json")]
    if not archived:
        raise RuntimeError("the request was not archived; see " + root + ".log")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    header = open(os.path.join(root, "state/default", batch_id("day.json", data) + ".status.json")).read(4096)
    generated = int(re.search(r'"generated": (\d+)', header).group(1))
    return {"admission_s": archived[0][1] - began, "pass_s": total, "peak_rss_mib": rss / 1024,
            "generated": generated, "file_mib": len(data) / (1 << 20)}


def lateness(binary, n, seconds, delay):
    root = make_desk({})
    finished.append(root)
    log = open(root + ".log", "w")
    proc = subprocess.Popen([binary, "watch", root, "--log-level", "warn"], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(os.path.join(root, "state/health.json")) as f:
                if json.load(f).get("pid") == proc.pid:
                    break
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    start = round(time.time() + delay, 3)
    end = start + seconds
    data = request_bytes(n, start, end)
    batch = batch_id("live.json", data)
    folder = os.path.join(root, "outbox/default/published", batch)
    os.makedirs(folder)
    watcher = Watcher(folder)
    watcher.start()
    drop(root, "live.json", data)
    deadline = time.monotonic() + delay + seconds + 120
    while watcher.count() < n and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    seen = watcher.snapshot()
    if len(seen) < n:
        raise RuntimeError("only %d of %d published; see %s.log" % (len(seen), n, root))
    start_ns, span_ns = int(round(start * 1000)) * 1_000_000, int(round(seconds * 1000)) * 1_000_000
    late = []
    for i in range(n):
        due = (start_ns + span_ns * i // (n - 1)) / 1e9
        late.append((seen["r%d.json" % i][0] - due) * 1000)
    return {"p50_ms": percentile(late, 0.50), "p99_ms": percentile(late, 0.99), "max_ms": max(late),
            "min_ms": min(late)}


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
    p.add_argument("--items", type=int, default=1_000_000, help="items of the admission scenario (0 skips it)")
    p.add_argument("--live", type=int, default=10_000, help="items of the lateness scenario (0 skips it)")
    p.add_argument("--seconds", type=float, default=60, help="window of the lateness scenario")
    p.add_argument("--delay", type=float, default=5, help="seconds from the drop to the window's start")
    a = p.parse_args()
    print("copydesk schedule benchmark: %d cores, durable writes on, %d runs each" % (os.cpu_count(), a.runs))
    if a.items:
        runs = [admission(a.binary, a.items) for _ in range(a.runs)]
        report("admission: %d items distributed over a day (goal <= 20 s, <= 1.5 GiB peak)" % a.items, runs,
               ["admission_s", "pass_s", "peak_rss_mib", "generated", "file_mib"])
    if a.live:
        runs = [lateness(a.binary, a.live, a.seconds, a.delay) for _ in range(a.runs)]
        report("lateness: %d items distributed over %g s (goal p99 <= 50 ms)" % (a.live, a.seconds), runs,
               ["p50_ms", "p99_ms", "max_ms", "min_ms"])


if __name__ == "__main__":
    try:
        main()
    finally:
        clean_up()
