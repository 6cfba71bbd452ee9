"""What the Python benchmark drivers share: an inotify watcher of a folder, the test template, and
percentiles. Times are taken when inotify reports a name, never from file mtimes (they tick in
4 ms steps here)."""
import ctypes, ctypes.util, json, os, struct, subprocess, tempfile, threading, time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
IN_CREATE = 0x100
IN_MOVED_TO = 0x80
IN_CLOEXEC = 0o2000000

TEMPLATE = {"id": "hello", "approved": True,
            "variants": [{"id": "a", "vars": {"greeting": "Hello {{ name | capitalize }}", "n": "{{ n }}"}}]}


class Watcher(threading.Thread):
    """Records the wall-clock and monotonic instants at which each name appears in a folder: by a
    rename into it (a temp file renamed into place) or by a link (a result written once, with
    link(2)). Dotfiles and temporaries are not recorded."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        self.fd = libc.inotify_init1(IN_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, folder.encode(), IN_MOVED_TO | IN_CREATE) < 0:
            raise OSError(ctypes.get_errno(), "inotify on " + folder)
        self.seen = {}
        self.lock = threading.Lock()

    def run(self):
        while True:
            data = os.read(self.fd, 1 << 20)
            wall, mono = time.time(), time.monotonic()
            offset = 0
            while offset < len(data):
                _, _, _, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16: offset + 16 + length].rstrip(b"\0").decode()
                offset += 16 + length
                if not name.startswith(".") and not name.endswith(".tmp"):
                    with self.lock:
                        self.seen.setdefault(name, (wall, mono))

    def count(self, suffix=""):
        with self.lock:
            return sum(1 for name in self.seen if name.endswith(suffix))

    def snapshot(self):
        with self.lock:
            return dict(self.seen)


def make_desk(prefix, org="default", templates=None, config=None):
    """A fresh desk in a temp folder: its folders, the org's `templates` ({id: document};
    TEMPLATE as `hello` by default) and, when given, `config` as copydesk.json. Returns its root."""
    root = tempfile.mkdtemp(prefix=prefix)
    for folder in ["inbox/" + org if org != "default" else "inbox", "outbox/" + org, "state", "archive/" + org,
                   "rejected", "library/%s/templates" % org]:
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    for name, document in (templates or {"hello": TEMPLATE}).items():
        with open(os.path.join(root, "library/%s/templates/%s.json" % (org, name)), "w") as f:
            json.dump(document, f)
    if config is not None:
        with open(os.path.join(root, "copydesk.json"), "w") as f:
            json.dump(config, f)
    return root


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def start_watch(binary, root):
    """Starts `copydesk watch ROOT` (log in ROOT.log) and returns the process once its health file
    says it is running (the inbox is watched and scanned)."""
    log = open(root + ".log", "w")
    proc = subprocess.Popen([binary, "watch", root, "--log-level", "warn"], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    health = os.path.join(root, "state/health.json")
    while time.monotonic() < deadline:
        try:
            with open(health) as f:
                h = json.load(f)
            if h.get("pid") == proc.pid and h.get("status") == "running":
                return proc
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError("copydesk did not start; see " + root + ".log")
