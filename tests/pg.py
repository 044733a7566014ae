"""A throwaway PostgreSQL 15 cluster on a free loopback port, for real-database tests.

initdb refuses to run as root; when the tests run as root (CI does) the cluster runs as
the ``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "s3cret-Pa55word"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def cluster() -> Iterator[str]:
    """Yield an admin URL (with a password in it) of a fresh cluster; stop and remove it after."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 server binaries not found in {PG_BIN}: run `make setup-test`")
    tmp = Path(tempfile.mkdtemp(prefix="wismo-pg-"))
    data, log = tmp / "data", tmp / "server.log"
    as_pg: list[str] = []
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    run = lambda *a: subprocess.run([*as_pg, *map(str, a)], check=True, capture_output=True)  # noqa: E731
    run(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "wismo", "-E", "UTF8", "--no-sync")
    run(PG_BIN / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o",
        f"-p {port} -h 127.0.0.1 -k {tmp} -F -c fsync=off -c full_page_writes=off", "start")
    try:
        yield f"postgresql://wismo:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A new, empty database in the cluster; dropped after."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
