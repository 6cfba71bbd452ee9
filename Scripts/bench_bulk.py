#!/usr/bin/env python3
"""Bulk benchmark: a 100,000-row CRM export (8 columns, some quoted with commas, quotes and line
breaks) dropped by rename into inbox/crm/ of a running `copydesk watch`, where a route
(`crm/*.csv`) makes it a batch of copy items rendered through a Liquid template. Timed from the
rename to the result's appearance in outbox/crm/ (seen through inotify, on this process's
monotonic clock); peak RSS is the daemon's VmHWM from /proc/<pid>/status once the result is there.
Each run uses a fresh desk; the median of the runs is printed last. Goals: <= 5 s, <= 300 MiB.
"""
import argparse, json, os, random, shutil, statistics, subprocess, sys, tempfile, time
import bench_common
from bench_common import Watcher, start_watch

TEMPLATE = {"id": "welcome", "approved": True, "variants": [
    {"id": "warm", "vars": {
        "subject": "Welcome to {{ company }}, {{ first_name | capitalize }}!",
        "body": "Hi {{ first_name }} {{ last_name | upcase }}, your {{ plan }} plan in {{ city }} starts now."
                "{% if note != blank %} Note: {{ note | truncate: 40 }}{% endif %}"}},
    {"id": "short", "vars": {"subject": "{{ first_name }}, you're in", "body": "See you soon, {{ first_name }}."}}]}

CONFIG = {"routes": {"crm/*.csv": {"template_id": "welcome", "defaults": {"fields": {"company": "Acme"}}}}}


def export(path, rows):
    """Writes a CRM-like export: id, email, first and last name, company, city, plan, note."""
    rng = random.Random(7)
    firsts = ["jane", "omar", "mei", "lars", "ana", "kofi", "yuki", "pierre"]
    cities = ["Paris", "Lyon", "São Paulo", "Oslo", "New York, NY", "Zürich"]
    with open(path, "w", newline="") as f:
        f.write("id,email,first_name,last_name,company,city,plan,note\r\n")
        for i in range(rows):
            first = rng.choice(firsts)
            city = rng.choice(cities)
            city = '"%s"' % city if "," in city else city
            note = rng.choice(["", "", '"VIP, call first"', '"said ""hi"" twice"', '"two\nlines"', "renewal"])
            f.write("c%d,%s%d@example.com,%s,Doe%d,Company %d,%s,%s,%s\r\n"
                    % (i, first, i, first, i % 1000, i % 500, city, rng.choice(["pro", "free", "team"]), note))


def make_desk():
    return bench_common.make_desk("copydesk-bulk.", org="crm", templates={"welcome": TEMPLATE}, config=CONFIG)


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_once(binary, rows, source):
    root = make_desk()
    staged = os.path.join(root, "inbox/crm/.export.csv.part")
    shutil.copyfile(source, staged)
    proc = start_watch(binary, root)
    watcher = Watcher(os.path.join(root, "outbox/crm"))
    watcher.start()
    try:
        dropped = time.monotonic()
        os.rename(staged, os.path.join(root, "inbox/crm/export.csv"))
        deadline = dropped + 120
        while watcher.count(".result.json") == 0:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("no result; see " + root + ".log")
            time.sleep(0.005)
        seen = min(mono for name, (_, mono) in watcher.snapshot().items() if name.endswith(".result.json"))
        rss = peak_rss_mib(proc.pid)
        name = [n for n in os.listdir(os.path.join(root, "outbox/crm")) if n.endswith(".result.json")][0]
        with open(os.path.join(root, "outbox/crm", name)) as f:
            counts = json.load(f)["counts"]
        if counts["generated"] != rows:
            raise RuntimeError("expected %d generated items, got %s" % (rows, counts))
        return seen - dropped, rss
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="copydesk-bulk-src.")
    source = os.path.join(work, "export.csv")
    export(source, args.rows)
    print("export: %d rows, %.1f MiB, 8 columns" % (args.rows, os.path.getsize(source) / 2**20), flush=True)
    times, peaks = [], []
    for i in range(args.runs):
        seconds, rss = run_once(args.binary, args.rows, source)
        times.append(seconds)
        peaks.append(rss)
        print("run %d: drop to result %.2f s, peak RSS %.0f MiB" % (i + 1, seconds, rss), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    print("median of %d: drop to result %.2f s (goal <= 5 s), peak RSS %.0f MiB (goal <= 300 MiB)"
          % (args.runs, statistics.median(times), statistics.median(peaks)))


if __name__ == "__main__":
    sys.exit(main())
