"""Benchmark: the served app under 1, 5, 10, 20 concurrent clients placing incidents.

    .venv/bin/python bench/bench_load.py                       # 30 s per step, every setup
    .venv/bin/python bench/bench_load.py --seconds 10 --json out.json
    .venv/bin/python bench/bench_load.py --setups file:1,file:2 --clients 20
    .venv/bin/python bench/bench_load.py --store postgresql://user@host/db  # a loaded store

Each setup starts ``riskmap serve`` in a subprocess (ports 8750-8799, or ``--ports``) on the
15,000-enterprise sample (seed 42, cached like the other benchmarks), waits until every worker
answers ``/healthz`` and has answered one cordon, then each client (a thread with its own
keep-alive connection) replays, for ``--seconds``:

- ``dash``: the incident tab's "定位 / Place" click, ``POST /_dash-update-component`` with the
  body the browser sends (built from ``/_dash-dependencies``: the callback whose outputs include
  ``inc-current.data``, its inputs and states filled as the page fills them);
- ``api``: ``GET /api/v1/cordon?lon=&lat=&radii_km=1,5,10`` (skipped with a note when the
  route is missing or refuses the single-user local mode);

at random points inside the dataset's districts. Reported per step: requests per second,
p50/p95/p99 latency, errors (any status but 200, or an answer without a cordon), and the
server's memory (RSS of the master and every worker, from /proc) before and after, the
machine's 1-minute load average at the start and end of the step, and the server's CPU time per
request (user + system of all its processes, from /proc): on a machine busy with other jobs
latencies say little, but ``CPU count x 1000 / CPU ms per request`` is what the server can
answer at most.

Setups: ``file:N`` (the file store, N processes: 1 = waitress, more = gunicorn) and ``pg:N``
(PostGIS, N gunicorn workers): with ``--store URL`` that database (already loaded: ``riskmap db
load``), else a throwaway cluster (``tests/pgcluster.py``) loaded from the sample, when
PostgreSQL is installed; otherwise the PostGIS setups are skipped with a note.
Goal (issue 11): at 20 clients p95 < 0.5 s and >= 65.4 req/s (2x 32.7), 0 errors, memory flat.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ROOT, cached_sample  # noqa: E402 - bench/ is on sys.path as a script

PORTS = range(8750, 8800)
CLI = [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())"]
RADII = "1,5,10"
GOAL_RPS = 2 * 32.7
GOAL_P95_S = 0.5


@dataclass
class Step:
    setup: str
    target: str
    clients: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rss_before_mb: float
    rss_after_mb: float
    cpu_ms_per_request: float = 0.0
    first_error: str = ""
    workers_seen: int = 0
    load_before: float = 0.0
    load_after: float = 0.0
    """The machine's 1-minute load average at the start and end of the step (other jobs show
    here: on 2 CPUs, a load above 2 means requests waited for a core)."""


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_s(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants, in seconds: the
    server's cost per request, which a machine busy with other jobs does not inflate much."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def load_1m() -> float:
    """The 1-minute load average (``/proc/loadavg``), 0 where there is none."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB (from /proc)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo += _children(p)
    return total / 1024


class Server:
    """``riskmap serve`` in a subprocess, on a free port of :data:`PORTS` (``--ports``)."""

    def __init__(self, source: list[str], workers: int, threads: int) -> None:
        self.port = free_port()
        self.workers = workers
        cmd = [*CLI, "serve", "--port", str(self.port), "--workers", str(workers),
               "--threads", str(threads), *source]
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_load_{self.port}.log",
                        "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)

    def get(self, path: str, timeout: float = 60) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def wait_ready(self, timeout: float = 180) -> set[int]:
        """Until every worker answered /healthz; their pids."""
        pids: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(pids) < self.workers:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped: see {self.log.name}")
            try:
                status, _, body = self.get("/healthz", timeout=5)
                if status == 200:
                    pids.add(json.loads(body)["pid"])
            except OSError:
                time.sleep(0.3)
        if len(pids) < self.workers:
            raise RuntimeError(f"only {len(pids)} of {self.workers} workers answered")
        return pids

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- what the clients send --------------------------------------------------------------------


def random_points(root: Path, n: int, seed: int) -> list[tuple[float, float]]:
    """``n`` random points inside the dataset's districts."""
    import geopandas as gpd
    import shapely

    districts = gpd.read_file(root / "districts.gpkg", engine="pyogrio")
    area = shapely.union_all(districts.geometry.to_numpy())
    shapely.prepare(area)
    x0, y0, x1, y1 = area.bounds
    rng = random.Random(seed)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(area, x, y):
            out.append((round(x, 6), round(y, 6)))
    return out


def dash_request(server: Server) -> tuple[str, dict]:
    """The incident tab's "place" callback: its ``output`` key and a body template, read from
    ``/_dash-dependencies`` as the browser reads it."""
    from ui import ids

    status, _, body = server.get("/_dash-dependencies")
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered {status}")
    deps = json.loads(body)
    want = f"{ids.INC_CURRENT}.data"
    for dep in deps:
        outputs = dep["output"].strip(".").split("...")
        if any(o.split("@")[0] == want for o in outputs):
            break
    else:
        raise RuntimeError(f"no callback with output {want}")

    def spec(item):
        return {"id": item["id"], "property": item["property"]}

    parsed = []
    for out in outputs:
        cid, prop = out.rsplit(".", 1)
        parsed.append({"id": cid, "property": prop.split("@")[0]})
    template = {"output": dep["output"], "outputs": parsed,
                "inputs": [spec(i) for i in dep["inputs"]],
                "state": [spec(s) for s in dep["state"]],
                "changedPropIds": [f"{ids.INC_LOCATE}.n_clicks"]}
    return dep["output"], template


def dash_body(template: dict, lon: float, lat: float, clicks: int) -> bytes:
    from ui import ids

    values = {f"{ids.INC_LOCATE}.n_clicks": clicks, f"{ids.INC_RADII}.value": RADII,
              f"{ids.INC_WIND}.value": "", f"{ids.INC_LON}.value": f"{lon}",
              f"{ids.INC_LAT}.value": f"{lat}", f"{ids.TABS}.value": "incident",
              "lang.data": "zh"}
    body = dict(template)
    for key in ("inputs", "state"):
        body[key] = [{**item, "value": values.get(f"{item['id']}.{item['property']}")}
                     for item in template[key]]
    return json.dumps(body).encode()


class Target:
    """One kind of request: ``send(conn, lon, lat, n) -> (ok, error text)``."""

    def __init__(self, name: str, server: Server) -> None:
        self.name = name
        self.headers = {"Content-Type": "application/json",
                        "Origin": f"http://127.0.0.1:{server.port}",
                        "Referer": f"http://127.0.0.1:{server.port}/"}
        if name == "dash":
            _, self.template = dash_request(server)

    def send(self, conn: http.client.HTTPConnection, lon: float, lat: float,
             n: int) -> tuple[bool, str, str]:
        if self.name == "dash":
            conn.request("POST", "/_dash-update-component",
                         body=dash_body(self.template, lon, lat, n), headers=self.headers)
        else:
            conn.request("GET", f"/api/v1/cordon?lon={lon}&lat={lat}&radii_km={RADII}",
                         headers=self.headers)
        resp = conn.getresponse()
        data = resp.read()
        worker = resp.getheader("X-Riskmap-Worker") or ""
        if resp.status != 200:
            return False, f"HTTP {resp.status}: {data[:200]!r}", worker
        if self.name == "dash":
            ok = b'"inc-current"' in data and b'"radii_m"' in data
        else:
            ok = b"radii" in data
        return ok, "" if ok else f"no cordon in the answer: {data[:200]!r}", worker


def run_step(server: Server, target: Target, *, clients: int, seconds: float,
             points: list[tuple[float, float]], setup: str) -> Step:
    latencies: list[float] = []
    errors: list[str] = []
    workers: set[str] = set()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        mine: list[float] = []
        bad: list[str] = []
        seen: set[str] = set()
        start.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            lon, lat = points[rng.randrange(len(points))]
            n += 1
            t = time.perf_counter()
            try:
                ok, why, worker = target.send(conn, lon, lat, n)
            except (OSError, http.client.HTTPException) as exc:
                ok, why, worker = False, f"{type(exc).__name__}: {exc}", ""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            mine.append(time.perf_counter() - t)
            seen.add(worker)
            if not ok:
                bad.append(why)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)
            workers.update(seen)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    before = rss_mb(server.proc.pid)
    load0 = load_1m()
    cpu0 = cpu_s(server.proc.pid)
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = cpu_s(server.proc.pid) - cpu0
    after = rss_mb(server.proc.pid)
    lat = sorted(latencies) or [float("nan")]

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] * 1e3

    return Step(setup=setup, target=target.name, clients=clients, seconds=round(elapsed, 1),
                requests=len(latencies), errors=len(errors),
                rps=round(len(latencies) / elapsed, 1), p50_ms=round(pct(0.5), 1),
                p95_ms=round(pct(0.95), 1), p99_ms=round(pct(0.99), 1),
                rss_before_mb=round(before, 1), rss_after_mb=round(after, 1),
                cpu_ms_per_request=round(cpu / max(1, len(latencies)) * 1e3, 1),
                first_error=errors[0] if errors else "",
                workers_seen=len(workers - {""}), load_before=load0, load_after=load_1m())


def warm(server: Server, targets: list[Target], points, pids: set[int]) -> None:
    """Until every worker has answered each target once (the cordon index is built per worker)."""
    for target in targets:
        seen: set[str] = set()
        deadline = time.monotonic() + 120
        n = 0
        while len(seen) < len(pids) and time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            try:
                ok, why, worker = target.send(conn, *points[n % len(points)], n + 1)
            finally:
                conn.close()
            if not ok:
                raise RuntimeError(f"{target.name}: {why}")
            seen.add(worker)
            n += 1


def api_usable(server: Server, points) -> str:
    """'' if the API cordon route answers, else why not."""
    lon, lat = points[0]
    try:
        status, _, body = server.get(f"/api/v1/cordon?lon={lon}&lat={lat}&radii_km={RADII}")
    except OSError as exc:
        return f"API cordon: {exc}"
    if status == 200:
        return ""
    return f"API cordon route answered {status} ({body[:120]!r}): skipped"


# -- PostGIS ----------------------------------------------------------------------------------


def postgis_url(args, root: Path, report: Report):
    """(url, cluster to stop or None), or (None, None) with a note."""
    if args.store:
        return args.store, None
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from pgcluster import PgClusterError, start_cluster
    except ImportError:
        report.notes.append("PostGIS: no tests/pgcluster.py and no --store: skipped")
        return None, None
    try:
        cluster = start_cluster()
    except PgClusterError as exc:
        report.notes.append(f"PostGIS: {exc}: skipped")
        return None, None
    url = cluster.fresh_url()
    for argv in (["db", "init", "--store", url], ["db", "load", "--store", url, "--data", str(root)]):
        done = subprocess.run([*CLI, *argv], capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            cluster.stop()
            report.notes.append(f"PostGIS: riskmap {' '.join(argv[:2])} failed: "
                                f"{done.stderr.strip()[-300:]}: skipped")
            return None, None
    return url, cluster


# -- main -------------------------------------------------------------------------------------


def table(steps: list[Step]) -> str:
    head = (f"{'setup':<8} {'target':<6} {'clients':>7} {'req':>6} {'req/s':>7} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'RSS MB before→after':>22} {'workers':>7} "
            f"{'CPU ms/req':>10} {'load':>11}")
    lines = [head, "-" * len(head)]
    for s in steps:
        lines.append(f"{s.setup:<8} {s.target:<6} {s.clients:>7} {s.requests:>6} {s.rps:>7.1f} "
                     f"{s.p50_ms:>8.0f} {s.p95_ms:>8.0f} {s.p99_ms:>8.0f} {s.errors:>6} "
                     f"{s.rss_before_mb:>10.0f} → {s.rss_after_mb:<9.0f} {s.workers_seen:>7} "
                     f"{s.cpu_ms_per_request:>10.1f} {s.load_before:>5.1f}→{s.load_after:<5.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="per step (default 30)")
    parser.add_argument("--clients", default="1,5,10,20", help="default 1,5,10,20")
    parser.add_argument("--setups", default="file:1,file:2,pg:2,pg:4",
                        help="file:N and pg:N, comma-separated (default file:1,file:2,pg:2,pg:4)")
    parser.add_argument("--targets", default="dash,api", help="dash, api (default both)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--enterprises", type=int, default=15_000)
    parser.add_argument("--store", default=None, metavar="URL",
                        help="a loaded PostGIS store for the pg setups (default: a throwaway "
                             "cluster from tests/pgcluster.py)")
    parser.add_argument("--json", metavar="FILE", default=None, help="also write the steps here")
    parser.add_argument("--ports", default="8750-8799", metavar="LOW-HIGH",
                        help="the servers' port range (default 8750-8799)")
    args = parser.parse_args(argv)
    global PORTS
    low, high = (int(v) for v in args.ports.split("-"))
    PORTS = range(low, high + 1)
    clients = [int(c) for c in args.clients.split(",")]
    setups = [(kind, int(n)) for kind, n in (s.split(":") for s in args.setups.split(","))]
    root = cached_sample(args.enterprises)
    points = random_points(root, 2000, seed=1)
    report = Report()
    print(f"sample: {args.enterprises:,} enterprises ({root}); {os.cpu_count()} CPUs; "
          f"{args.seconds:g} s per step", flush=True)
    pg_url, cluster = None, None
    if any(kind == "pg" for kind, _ in setups):
        pg_url, cluster = postgis_url(args, root, report)
    try:
        for kind, workers in setups:
            if kind == "pg" and pg_url is None:
                continue
            source = ["--store", pg_url] if kind == "pg" else ["--data", str(root)]
            name = f"{kind}:{workers}"
            server = Server(source, workers, args.threads)  # type: ignore[list-item]
            try:
                t = time.perf_counter()
                pids = server.wait_ready()
                ready_s = time.perf_counter() - t
                targets = []
                for tname in args.targets.split(","):
                    if tname == "api":
                        why = api_usable(server, points)
                        if why:
                            report.notes.append(f"{name}: {why}")
                            continue
                    targets.append(Target(tname, server))
                warm(server, targets, points, pids)
                print(f"{name}: ready in {ready_s:.1f} s, warm "
                      f"{rss_mb(server.proc.pid):.0f} MB", flush=True)
                for target in targets:
                    for n in clients:
                        step = run_step(server, target, clients=n, seconds=args.seconds,
                                        points=points, setup=name)
                        report.steps.append(step)
                        print(table([step]).splitlines()[-1], flush=True)
                        if step.first_error:
                            print(f"    first error: {step.first_error}", flush=True)
            finally:
                server.stop()
    finally:
        if cluster is not None:
            cluster.stop()
    print()
    print(table(report.steps))
    for note in report.notes:
        print(f"note: {note}")
    best = [s for s in report.steps if s.clients == 20]
    for s in best:
        met = s.p95_ms < GOAL_P95_S * 1e3 and s.rps >= GOAL_RPS and s.errors == 0
        print(f"goal at 20 clients ({s.setup} {s.target}): p95 {s.p95_ms:.0f} ms, {s.rps:.1f} "
              f"req/s, {s.errors} errors -> {'met' if met else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"steps": [asdict(s) for s in report.steps], "notes": report.notes,
             "seconds": args.seconds, "enterprises": args.enterprises,
             "cpus": os.cpu_count()}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
