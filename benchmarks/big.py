"""Demo data too large to generate in one piece (10M orders needs more memory than this machine has):
``chunks`` demo sets of ``orders`` each, ids made unique per chunk, merged into one ``<table>.parquet``
per table by DuckDB (streaming, little memory).

    python -m benchmarks.big --chunks 10 --orders 1000000 --out /tmp/wismo-10m
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl

from core.contract import TABLES
from services.demo import DemoConfig, generate

SHARED = {"nodes", "carriers"}  # the same few nodes and carriers in every chunk


def _ids(table: str) -> list[str]:
    """Columns holding ids of rows that differ per chunk (keys and references to them)."""
    t = TABLES[table]
    cols = [c.name for c in t.columns if c.kind == "str" and (c.name in t.key or c.ref in TABLES)]
    return [c for c in cols if not any(c == f"{s[:-1]}_id" for s in SHARED)] + (
        ["customer_id"] if "customer_id" in t.names else [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=10)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    parts = args.out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for k in range(args.chunks):
        frames = generate(DemoConfig(orders=args.orders, seed=100 + k))
        for name, df in frames.items():
            if name in SHARED:
                if k == 0:
                    df.write_parquet(args.out / f"{name}.parquet")
                continue
            cols = [c for c in dict.fromkeys(_ids(name)) if c in df.columns]
            df.with_columns([pl.concat_str(pl.lit(f"c{k}-"), pl.col(c)).alias(c) for c in cols]).write_parquet(
                parts / f"{name}-{k:02d}.parquet")
        print(f"chunk {k + 1}/{args.chunks} written ({time.perf_counter() - started:.0f} s)", flush=True)
    import duckdb

    con = duckdb.connect()
    for name in TABLES:
        if name in SHARED:
            continue
        con.execute(f"COPY (SELECT * FROM read_parquet('{parts}/{name}-*.parquet')) "  # noqa: S608 - fixed names
                    f"TO '{args.out / (name + '.parquet')}' (FORMAT parquet)")
    print(f"merged into {args.out} in {time.perf_counter() - started:.0f} s; as-of "
          f"{DemoConfig(orders=args.orders).as_of.isoformat()}")


if __name__ == "__main__":
    main()
