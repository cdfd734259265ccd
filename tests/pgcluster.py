"""A throwaway PostgreSQL 15 + PostGIS cluster for the tests (``pg_server`` in tests/conftest.py).

The cluster lives in a temporary folder and listens only on a Unix socket in that folder (no TCP
port is opened; the port number only names the socket file, chosen in 55400-55499). PostgreSQL
refuses to run as root, so when the tests run as root the folder is given to the ``postgres``
system user and every binary runs through ``runuser -u postgres --``. Durability is switched off
(``fsync=off`` …): the cluster is deleted when the session ends.

The first session on a machine makes a seed cluster (:data:`SEED_DIR`); every session copies
it and starts the copy. A template database ``riskmap_template`` holds the PostGIS extension; :meth:`PgCluster.fresh_url`
copies it into a new, empty database for each test (a few tens of milliseconds), so tests never
see each other's data.

Run by hand: ``python tests/pgcluster.py`` starts one, prints its URL and waits for Ctrl-C.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("RISKMAP_PG_BIN", "/usr/lib/postgresql/15/bin"))
EXTENSIONS = Path(os.environ.get("RISKMAP_PG_EXTENSIONS", "/usr/share/postgresql/15/extension"))
SEED_DIR = Path(tempfile.gettempdir()) / f"risk-map-test-pgseed-{os.getuid()}"
"""A stopped cluster made once per machine (initdb + the PostGIS template), copied by every
session: ``initdb`` and ``CREATE EXTENSION postgis`` take seconds, a copy a fraction of one."""
PORTS = range(55400, 55500)
TEMPLATE = "riskmap_template"
INSTALL_HINT = ("PostgreSQL 15 + PostGIS 3 are needed for the PostGIS store tests: "
                "`make install-system` (apt-get install postgresql postgresql-15-postgis-3)")


class PgClusterError(RuntimeError):
    """The test cluster could not be started (the message says why and what to install)."""


def _free_port() -> int:
    """A port in 55400-55499 nobody listens on (over TCP; our socket name uses it too)."""
    start = os.getpid() % len(PORTS)
    for i in range(len(PORTS)):
        port = PORTS[(start + i) % len(PORTS)]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise PgClusterError("no free port in 55400-55499 for the test PostgreSQL cluster")


class PgCluster:
    """One running cluster: ``url(db)``, ``fresh_url()``, ``stop()``."""

    def __init__(self) -> None:
        missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).is_file()]
        if missing:
            raise PgClusterError(f"{PG_BIN}: no {', '.join(missing)}. {INSTALL_HINT}")
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="rmpg-"))  # short: socket paths are limited
        self.data = self.root / "data"
        self.sock = self.root / "s"
        self.port = _free_port()
        self._counter = itertools.count(1)
        self.started = False

    # -- running the binaries -----------------------------------------------------------------

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(PG_BIN / argv[0]) if argv[0] != "cp" else "cp", *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if check and proc.returncode != 0:
            raise PgClusterError(f"{' '.join(argv[:1])} failed ({proc.returncode}): "
                                 f"{proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def start(self) -> PgCluster:
        """Copy the seed cluster (made once per machine: initdb + the PostGIS template) into
        this cluster's folder and start it."""
        self.sock.mkdir()
        if self.as_root:
            try:
                pg = pwd.getpwnam("postgres")
            except KeyError:
                raise PgClusterError(f"no `postgres` system user to run PostgreSQL as. "
                                     f"{INSTALL_HINT}") from None
            for path in (self.root, self.sock):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        seed = _seed(self)
        self._run("cp", "-a", str(seed / "data"), str(self.data))
        self._start()
        self._watch()
        return self

    def _watch(self) -> None:
        """Stop and remove the cluster when this process dies without tearing it down (a test
        run killed by a timeout or Ctrl-C twice): a small shell loop in its own session."""
        stop = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
        if self.as_root:
            stop = ["runuser", "-u", "postgres", "--", *stop]
        script = (f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
                  f"{shlex.join(stop)} >/dev/null 2>&1; rm -rf {shlex.quote(str(self.root))}")
        subprocess.Popen(["sh", "-c", script], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)

    def _start(self) -> None:
        opts = (f"-k {self.sock} -p {self.port} -c listen_addresses='' -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")
        self.started = True

    def build_seed(self) -> None:
        """initdb, start, create the PostGIS template, stop cleanly (the seed's data folder)."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--locale=C.UTF-8", "-E", "UTF8", "--no-sync", "--no-instructions")
        self._start()
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        import psycopg

        try:
            with psycopg.connect(self.dsn(TEMPLATE), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
        except psycopg.Error as exc:
            raise PgClusterError(f"CREATE EXTENSION postgis failed: {exc}. {INSTALL_HINT}") \
                from exc
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.started = False

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      check=False)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ----------------------------------------------------------------------------

    def dsn(self, db: str = "postgres") -> str:
        return f"host={self.sock} port={self.port} user=postgres dbname={db}"

    def admin(self):
        """An autocommit psycopg connection to the ``postgres`` database."""
        import psycopg

        return psycopg.connect(self.dsn(), autocommit=True)

    def url(self, db: str, *, driver: str = "postgresql+psycopg") -> str:
        """The SQLAlchemy URL of database ``db`` (over the Unix socket)."""
        return f"{driver}://postgres@/{db}?host={self.sock}&port={self.port}"

    def create_database(self, name: str | None = None, *, postgis: bool = True,
                        template: str | None = None) -> str:
        """A new database, a copy of ``template`` (default: empty with PostGIS, or quite empty
        with ``postgis=False``); its name."""
        name = name or f"t{os.getpid()}_{next(self._counter)}"
        template = template or (TEMPLATE if postgis else "template0")
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name

    def fresh_url(self, **kwargs) -> str:
        """The URL of a new empty database (see :meth:`create_database`)."""
        return self.url(self.create_database(**kwargs))

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_key() -> str:
    """Changes when PostgreSQL or PostGIS is upgraded (the seed is then made again)."""
    parts = [str(PG_BIN)]
    for path in (PG_BIN / "postgres", *sorted(EXTENSIONS.glob("postgis.control"))):
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def _seed(cluster: PgCluster) -> Path:
    """The seed cluster folder ``SEED_DIR/<key>`` (built under a lock when missing)."""
    if not (PG_BIN / "postgres").is_file():
        raise PgClusterError(f"{PG_BIN}: no postgres. {INSTALL_HINT}")
    if not any(EXTENSIONS.glob("postgis.control")):
        raise PgClusterError(f"{EXTENSIONS}: no postgis extension. {INSTALL_HINT}")
    seed = SEED_DIR / _seed_key()
    if (seed / "ready").is_file():
        return seed
    SEED_DIR.mkdir(parents=True, exist_ok=True)
    with open(SEED_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test session may be building it
        if (seed / "ready").is_file():
            return seed
        builder = PgCluster()
        try:
            if builder.as_root:
                pg = pwd.getpwnam("postgres")
                os.chown(builder.root, pg.pw_uid, pg.pw_gid)
            builder.sock.mkdir()
            if builder.as_root:
                os.chown(builder.sock, pg.pw_uid, pg.pw_gid)
            builder.build_seed()
            shutil.rmtree(seed, ignore_errors=True)
            seed.mkdir()
            os.chmod(seed, 0o755)
            if builder.as_root:
                os.chown(seed, pg.pw_uid, pg.pw_gid)
            builder._run("cp", "-a", str(builder.data), str(seed / "data"))
            (seed / "ready").write_text(time.strftime("%Y-%m-%d %H:%M:%S"))
        finally:
            builder.stop()
    return seed


def start_cluster() -> PgCluster:
    """Start a cluster (raises :class:`PgClusterError` with what to install)."""
    cluster = PgCluster()
    try:
        return cluster.start()
    except BaseException:
        cluster.stop()
        raise


if __name__ == "__main__":
    t0 = time.perf_counter()
    c = start_cluster()
    print(f"started in {time.perf_counter() - t0:.2f} s: {c.fresh_url()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        c.stop()
