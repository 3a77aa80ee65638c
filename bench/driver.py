"""Runs inside the benchmark's network namespace (see bench/run): each client through first
update, no-op update, update after an address change and check; reports median and spread of
wall time, user+sys CPU, peak RSS, instructions (callgrind), HTTPS requests and DNS queries seen
by the fake provider, and bytes (re)written in the client's state directory."""

import argparse
import sys
import os
import socket
import statistics
import subprocess
import time

p = argparse.ArgumentParser()
p.add_argument("--ddns", required=True)
p.add_argument("--peer", required=True)
p.add_argument("--ca", required=True)
p.add_argument("--work", required=True)
p.add_argument("--runs", type=int, default=20)
args = p.parse_args()

NAME = "home.example.com"
control = socket.create_connection(("127.0.0.1", 9999))
reader = control.makefile("r")


def ask(cmd):
    control.sendall((cmd + "\n").encode())
    return reader.readline().strip()


def counts():
    return dict(kv.split("=") for kv in ask("counts").split())


def snapshot(d):
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            path = os.path.join(root, f)
            st = os.stat(path)
            out[path] = (st.st_mtime_ns, st.st_size)
    return out


def written(before, after):
    return sum(size for path, (mtime, size) in after.items() if before.get(path, (None,))[0] != mtime)


class Client:
    def __init__(self, name, directory, env, argv):
        self.name, self.dir, self.env, self.argv = name, directory, env, argv
        os.makedirs(directory, exist_ok=True)

    def run(self, action, stdin=None, valgrind=False):
        argv = self.argv(action)
        if valgrind:
            out = os.path.join(args.work, "callgrind.out")
            argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv
        before_fs, before_net = snapshot(self.dir), counts()
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(stdin.encode() if stdin else None)
        _, status, usage = os.wait4(proc.pid, 0) if proc.returncode is None else (0, 0, None)
        wall = time.monotonic() - start
        after_net = counts()
        result = {
            "wall": wall,
            "https": int(after_net["https"]) - int(before_net["https"]),
            "tls": int(after_net["tls"]) - int(before_net["tls"]),
            "dns": int(after_net["dns"]) - int(before_net["dns"]),
            "written": written(before_fs, snapshot(self.dir)),
            "ok": proc.returncode in (0, 1) and b"Traceback" not in err,
            "out": (out + err).decode(errors="replace"),
        }
        if os.environ.get("BENCH_VERBOSE"):
            print("== {} {} (valgrind={}) exit {}:\n{}".format(self.name, action, valgrind, proc.returncode, result["out"][-600:]), file=sys.stderr)
        if valgrind:
            text = err.decode(errors="replace")
            result["instructions"] = next((int(l.split()[-1].replace(",", "")) for l in text.splitlines() if "Collected :" in l), None)
        return result


def timed(client, action, stdin=None):
    """One run measured with wait4 for CPU time and peak RSS."""
    # Peak RSS through GNU time, which forks from a small process: a child forked (or
    # vforked) from this Python process would inherit its high-water mark.
    rss_file = os.path.join(args.work, "rss")
    argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + client.argv(action)
    before_fs, before_net = snapshot(client.dir), counts()
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=client.dir, env=client.env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin:
        proc.stdin.write(stdin.encode())
    proc.stdin.close()
    out = proc.stdout.read() + proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    after_net = counts()
    if os.environ.get("BENCH_VERBOSE"):
        print("== {} {}: {}".format(client.name, action, out.decode(errors="replace")[-400:]), file=sys.stderr)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": int(open(rss_file).read().split()[-1]),
        "https": int(after_net["https"]) - int(before_net["https"]),
        "tls": int(after_net["tls"]) - int(before_net["tls"]),
        "dns": int(after_net["dns"]) - int(before_net["dns"]),
        "written": written(before_fs, snapshot(client.dir)),
        "status": os.waitstatus_to_exitcode(status),
        "out": out.decode(errors="replace"),
    }


base_env = {"PATH": "/usr/bin:/bin", "HOME": args.work, "BROWSER": "true"}
# The last run goes to a RAM directory of its own (as /var/run on a router), outside the state
# directory whose writes are counted.
os.makedirs(os.path.join(args.work, "run"), exist_ok=True)
ours = Client("ddns", os.path.join(args.work, "ddns"),
              dict(base_env, SSL_CERT_FILE=args.ca, DDNS_STATE=os.path.join(args.work, "ddns", "state.json"),
                   DDNS_RUN_DIR=os.path.join(args.work, "run")),
              lambda a: [args.ddns] + {"update": ["update"], "check": ["check"], "status": ["status"],
                                       "rpcd status": ["rpcd", "call", "status"]}[a])
peer = Client("peer", os.path.join(args.work, "peer"),
              dict(base_env, REQUESTS_CA_BUNDLE=args.ca),
              lambda a: [args.peer] + {"update": ["update", "--all"], "check": ["status", "--all"],
                                       "setup": ["setup", "--domain", NAME]}[a])

ask("apply-200")
# Setup, once each (not measured: it waits for a person).
code = ask("code")
subprocess.run([args.ddns, "setup", NAME, "--ipv4", "--code", code], env=ours.env, cwd=ours.dir, check=True,
               stdout=subprocess.DEVNULL)
code = ask("code")
subprocess.run(peer.argv("setup"), input=code + "\n", text=True, env=peer.env, cwd=peer.dir,
               stdout=subprocess.DEVNULL, check=True)

SCENARIOS = ["first update", "no-op update", "no-op update, record checked", "update with a change", "check",
             "status", "rpcd status"]
results = {c.name: {s: [] for s in SCENARIOS} for c in (ours, peer)}
addr = [100]


def new_address():
    addr[0] += 1
    ask("ip 81.2.{}.{}".format(70 + addr[0] // 250, addr[0] % 250 + 1))


def age_ddns(client):
    """ddns asks the zone's servers about the record only once the last apply is 5 minutes
    old: make it an hour old, as on a router that last changed its address long ago."""
    import json
    path = os.path.join(client.dir, "state.json")
    with open(path) as f:
        state = json.load(f)
    for entry in state["names"].values():
        if entry.get("last_applied"):
            entry["last_applied"] -= 3600
    with open(path, "w") as f:
        json.dump(state, f, indent=2)


def settle(client):
    """The peer trusts its own cache for 60 s after a success: step its clock forward."""
    if client is peer:
        import json
        path = os.path.join(peer.dir, "settings.txt")
        with open(path) as f:
            cfg = json.load(f)
        for v in cfg.values():
            if "last_success" in v:
                v["last_success"] -= 120
        with open(path, "w") as f:
            json.dump(cfg, f)


for i in range(args.runs):
    for c in (ours, peer):
        # First update: nothing published by this client yet (a fresh address it never sent).
        new_address()
        settle(c)
        results[c.name]["update with a change"].append(timed(c, "update"))
        settle(c)
        results[c.name]["no-op update"].append(timed(c, "update"))
        if c is ours:
            age_ddns(c)
            # The state was just rewritten by this script; the run itself writes nothing.
            results[c.name]["no-op update, record checked"].append(timed(c, "update"))
        settle(c)
        results[c.name]["check"].append(timed(c, "check"))
        if c is ours:
            results[c.name]["status"].append(timed(c, "status"))
            results[c.name]["rpcd status"].append(timed(c, "rpcd status", stdin="{}"))

# "first update" = the first run after setup of each client is measured separately above as a
# change; report the change scenario for both and the first run from a fresh state here.
for c in (ours, peer):
    fresh = Client(c.name, c.dir + "-fresh", c.env, c.argv)
    if c is ours:
        fresh.env = dict(c.env, DDNS_STATE=os.path.join(fresh.dir, "state.json"))
        code = ask("code")
        subprocess.run([args.ddns, "setup", NAME, "--ipv4", "--code", code], env=fresh.env, cwd=fresh.dir,
                       check=True, stdout=subprocess.DEVNULL)
    else:
        code = ask("code")
        subprocess.run(peer.argv("setup"), input=code + "\n", text=True, env=fresh.env, cwd=fresh.dir,
                       stdout=subprocess.DEVNULL, check=True)
    new_address()
    results[c.name]["first update"].append(timed(fresh, "update"))

# Instructions, once per scenario and client, under callgrind.
instructions = {}
for c in (ours, peer):
    new_address()
    settle(c)
    instructions[(c.name, "update with a change")] = c.run("update", valgrind=True).get("instructions")
    for s, action in [("no-op update", "update"), ("check", "check")]:
        settle(c)
        instructions[(c.name, s)] = c.run(action, valgrind=True).get("instructions")
    if c is ours:
        age_ddns(c)
        instructions[(c.name, "no-op update, record checked")] = c.run("update", valgrind=True).get("instructions")
        instructions[(c.name, "status")] = c.run("status", valgrind=True).get("instructions")


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs):
    return (max(xs) - min(xs)) if len(xs) > 1 else 0.0


def fmt_ms(x):
    return "{:.1f}".format(x * 1000)


print()
print("| scenario | client | runs | wall ms (median, range) | CPU ms | peak RSS KiB | instructions | HTTPS req | TLS handshakes | DNS queries | bytes written | ok |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
ratios = []
for s in SCENARIOS:
    rows = {}
    for name in ("ddns", "peer"):
        rs = results[name][s]
        if not rs:
            continue
        wall = [r["wall"] for r in rs]
        cpu = [r["cpu"] for r in rs]
        rss = [r["rss"] for r in rs]
        ok = sum(1 for r in rs if r["status"] in (0, 1) and "Traceback" not in r["out"])
        ins = instructions.get((name, s))
        rows[name] = (med(cpu), med(rss), ins)
        print("| {} | {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} | {}/{} |".format(
            s, name, len(rs), fmt_ms(med(wall)), fmt_ms(spread(wall)), fmt_ms(med(cpu)), int(med(rss)),
            "{:,}".format(ins) if ins else "-", int(med([r["https"] for r in rs])),
            int(med([r["tls"] for r in rs])),
            int(med([r["dns"] for r in rs])), int(med([r["written"] for r in rs])), ok, len(rs)))
    if "ddns" in rows and "peer" in rows:
        (c1, m1, i1), (c2, m2, i2) = rows["ddns"], rows["peer"]
        ratios.append((s, c2 / c1 if c1 else float("inf"), m2 / m1 if m1 else float("inf"),
                       (i2 / i1) if i1 and i2 else None))
print()
print("| scenario | peer/ddns CPU time | peer/ddns peak RSS | peer/ddns instructions |")
print("|---|---|---|---|")
for s, cpu, rss, ins in ratios:
    print("| {} | {:.1f}x | {:.1f}x | {} |".format(s, cpu, rss, "{:.0f}x".format(ins) if ins else "-"))
print()
print("ddns binary: {} bytes (static, x86_64)".format(os.path.getsize(args.ddns)))


def rss_kib(pid):
    with open("/proc/{}/status".format(pid)) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


# `update --every`: memory stays flat over many runs. 1,000 runs 10 ms apart against the fake,
# each a no-op asking the zone's servers (the state aged first), RSS read after 10 and 1,000.
age_ddns(ours)
proc = subprocess.Popen([args.ddns, "update", "--every", "10ms"], cwd=ours.dir, env=ours.env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
runs, marks = 0, {}
for line in proc.stderr:
    if line.startswith("update finished with status"):
        runs += 1
        if runs in (10, 100, 1000):
            marks[runs] = rss_kib(proc.pid)
        if runs == 1000:
            break
proc.terminate()
proc.wait()
print()
print("update --every: VmRSS after 10 runs {} KiB, after 100 {} KiB, after 1,000 {} KiB (exit {} on SIGTERM)".format(
    marks.get(10), marks.get(100), marks.get(1000), proc.returncode))
