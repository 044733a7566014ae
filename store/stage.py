"""Stage rows for a SQLite upsert, in a process of its own (store/bulk.py says why): every ``TABLE.arrow`` of a
folder becomes table ``TABLE`` of a new SQLite file, by ADBC's bulk ingest. Never opens the store.

    python -m store.stage FOLDER TARGET.db
"""

from __future__ import annotations

import sys
from pathlib import Path

import adbc_driver_sqlite.dbapi as adbc
import pyarrow.ipc as ipc


def main(folder: Path, target: Path) -> None:
    conn = adbc.connect(str(target))
    try:
        cur = conn.cursor()
        for path in sorted(folder.glob("*.arrow")):
            with ipc.open_file(path) as f:
                cur.adbc_ingest(path.stem, f.read_all(), mode="create")
        cur.close()
        conn.commit()
    finally:
        conn.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
