"""Read query results out of a SQLite store, in a process of its own (store/bulk.py says why ADBC's SQLite
stays out of the store's process): the statements of a JSON job run in one read transaction (one snapshot);
each query's result becomes ``NAME.arrow`` in the job's folder. Several times quicker than fetching rows
through Python for millions of rows. Writes nothing to the store (its setup may create TEMP tables only).

    python -m store.unload JOB.json      # {"db": path, "setup": [sql, …], "queries": {name: sql}, "out": folder}

ADBC's SQLite driver guesses each column's type from the first rows of the result; a column whose first rows
are all NULL and later ones text would fail. So each query carries a first *sentinel* row (column ``_sentinel``
= 1, every other column a text or number placeholder) that the reader drops.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import adbc_driver_sqlite.dbapi as adbc
import pyarrow.ipc as ipc


def main(job_file: Path) -> None:
    job = json.loads(job_file.read_text())
    out = Path(job["out"])
    conn = adbc.connect(f"file:{job['db']}?mode=ro", autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute("BEGIN")
        try:
            for sql in job["setup"]:
                cur.execute(sql)
            for name, sql in job["queries"].items():
                cur.execute(sql)
                table = cur.fetch_arrow_table()
                with ipc.new_file(out / f"{name}.arrow", table.schema) as w:
                    w.write_table(table)
        finally:
            cur.execute("ROLLBACK")
        cur.close()
    finally:
        conn.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
