#!/usr/bin/env python3
"""Throughput of the openai provider through the real `copydesk process`.

Each run makes a temporary desk whose copydesk.json has one openai provider pointing at an
endpoint, drops one native request of N items `{"id", "topic"}` (no template: each item is one
chat completion) and times `copydesk process` from its start to its exit. outputs/s is the
number of items generated over that time: start-up, admission, journaling and the result are
included, so it is the rate a user sees. Every item must come back `generated`.

Endpoints:
  latency   a ThreadingHTTPServer in this process that sleeps 0.2 s and answers a fixed chat
            completion: the provider's own overhead. Goal: at least 90% of concurrency / 0.2 s.
  llama     llama.cpp's llama-server with SmolLM2-135M (Scripts/llm-server start), max_tokens 32:
            a real model on the 2 cores (no goal; the model's speed bounds it).

The figure per case is the median of --runs runs.
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENCY = 0.2

ANSWER = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench-model",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "A fixed answer for the benchmark."}}],
    "usage": {"prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27},
}).encode()


class SlowHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    disable_nagle_algorithm = True  # else the body waits ~40 ms for the client's delayed ACK

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with self.server.lock:
            self.server.in_flight += 1
            self.server.most = max(self.server.most, self.server.in_flight)
        time.sleep(LATENCY)
        with self.server.lock:
            self.server.in_flight -= 1
            self.server.count += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


class SlowServer(http.server.ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SlowHandler)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.count = 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_once(binary, base_url, concurrency, items, max_tokens):
    root = tempfile.mkdtemp(prefix="copydesk-bench-provider.")
    try:
        subprocess.run([binary, "init", root], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(root, "copydesk.json"), "w") as f:
            json.dump({"providers": [{
                "name": "bench", "type": "openai", "base_url": base_url, "model": "bench",
                "concurrency": concurrency, "timeout_seconds": 120, "max_tokens": max_tokens,
            }]}, f)
        request = {"items": [{"id": f"i{i}", "topic": f"a slogan for product number {i}"} for i in range(items)]}
        inbox = os.path.join(root, "inbox")
        with open(os.path.join(inbox, ".bench.json.part"), "w") as f:
            json.dump(request, f)
        os.rename(os.path.join(inbox, ".bench.json.part"), os.path.join(inbox, "bench.json"))
        started = time.monotonic()
        run = subprocess.run([binary, "process", root], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds = time.monotonic() - started
        outbox = os.path.join(root, "outbox", "default")
        results = [n for n in os.listdir(outbox) if n.endswith(".result.json")] if os.path.isdir(outbox) else []
        if run.returncode != 0 or len(results) != 1:
            sys.exit(f"bench: copydesk process failed ({run.returncode}): {run.stderr.decode()[-2000:]}")
        with open(os.path.join(outbox, results[0])) as f:
            result = json.load(f)
        states = [item.get("status") for item in result.get("items", [])]
        generated = states.count("generated")
        if generated != items:
            errors = {json.dumps(i.get("error")) for i in result.get("items", []) if i.get("status") != "generated"}
            sys.exit(f"bench: {items - generated} of {items} items not generated: {sorted(errors)[:3]}")
        return generated / seconds, seconds
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bench(label, binary, base_url, concurrency, items, runs, max_tokens, goal=None, server=None):
    rates = []
    for _ in range(runs):
        if server:
            server.most = 0
        rate, seconds = run_once(binary, base_url, concurrency, items, max_tokens)
        rates.append(rate)
        extra = f", the endpoint held {server.most} at once" if server else ""
        print(f"  {label} concurrency {concurrency}: {items} outputs in {seconds:.2f} s = {rate:.1f}/s{extra}",
              file=sys.stderr, flush=True)
    median = statistics.median(rates)
    line = f"{label:<16} concurrency {concurrency:>2}  {median:7.1f} outputs/s  (runs: {', '.join(f'{r:.1f}' for r in rates)})"
    if goal is not None:
        line += f"  goal >= {goal:.1f}/s: {'met' if median >= goal else 'NOT met'}"
    print(line, flush=True)
    return goal is None or median >= goal


def start_llama():
    port = free_port()
    process = subprocess.Popen([os.path.join(REPO, "Scripts", "llm-server"), "start", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    line = process.stdout.readline().decode()
    if not line.startswith("ready"):
        stop(process)
        sys.exit("bench: llama-server did not start (Scripts/llm-server start)")
    # The server writes to the same pipe: keep draining it, or a full pipe stalls the server.
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    return process, f"http://127.0.0.1:{port}/v1"


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the copydesk binary (release)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the median is reported")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="latency endpoint: items per run = concurrency x seconds / 0.2 s (at least 20)")
    parser.add_argument("--llama-items", type=int, default=16, help="items per run against llama-server")
    parser.add_argument("--only", choices=["latency", "llama"], help="run one endpoint only")
    args = parser.parse_args()
    ok = True
    if args.only in (None, "latency"):
        server = SlowServer()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        try:
            for concurrency in (1, 8, 32):
                items = max(20, int(concurrency * args.seconds / LATENCY))
                goal = 0.9 * concurrency / LATENCY
                ok &= bench("200 ms endpoint", args.binary, base, concurrency, items, args.runs, 32, goal, server)
        finally:
            server.shutdown()
    if args.only in (None, "llama"):
        process, base = start_llama()
        try:
            for concurrency in (1, 4):
                bench("llama-server", args.binary, base, concurrency, args.llama_items, args.runs, 32)
        finally:
            stop(process)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
