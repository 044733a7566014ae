"""Settings from the environment (``WISMO_*``) with working defaults: no configuration needed."""

from __future__ import annotations

import getpass
import os
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WISMO_", env_file=".env", extra="ignore")

    #: Any SQLAlchemy URL. Default: embedded SQLite (WAL) under ./data/, created on first use.
    database_url: str = "sqlite:///data/wismo.db"
    #: Where refused loads write their rejects file.
    rejects_dir: Path = Path("data/rejects")
    #: Where `wismo import` and mapped loads stage the contract files they load (kept for inspection).
    imports_dir: Path = Path("data/imports")
    #: Who is recorded as running a load or changing governance content (defaults to the OS user).
    user: str = ""
    #: Governance roles by user name, e.g. WISMO_ROLES='{"ana": "admin", "eli": "editor"}'. Users not
    #: listed are viewers. With no roles configured, the single local user is admin.
    roles: dict[str, str] = {}
    #: A header set by a trusted reverse proxy that carries the signed-in user (e.g. X-Forwarded-User).
    identity_header: str = ""

    # ---- engines (metrics/engines.py) -----------------------------------------------------------------
    #: polars (default), duckdb, spark or pushdown (inside the PostgreSQL store).
    engine: str = "polars"
    #: Spark: a master URL (default local[*]), or a Spark Connect URL (sc://host:15002), and a catalog
    #: database whose tables are the contract's (read there instead of from the store).
    spark_master: str = ""
    spark_remote: str = ""
    spark_database: str = ""
    #: Extra Spark settings, e.g. WISMO_SPARK_CONF='{"spark.driver.memory": "12g",
    #: "spark.sql.shuffle.partitions": "64"}' (applied when the session starts).
    spark_conf: dict[str, str] = {}
    #: polars on a folder of Parquet files (``--source``): scan the files in place and stream each derived
    #: fact to a Parquet file instead of holding it in memory (10M orders in 7.7 GB instead of ~33 GB;
    #: about 1.8x slower than in memory at 1M). See docs/engines.md.
    polars_streaming: bool = False
    #: DuckDB: the memory it may use before it spills to disk (e.g. "8GB"; default 80 % of RAM).
    duckdb_memory_limit: str = ""
    #: Where DuckDB and streaming polars spill (default: a temporary folder per run, removed after).
    spill_dir: str = ""

    # ---- the brief and alerts -------------------------------------------------------------------
    #: Where users open the dashboard; alerts link to views under it.
    public_url: str = "http://localhost:8501"
    #: JSON webhooks that receive each alert (Slack/Teams incoming-webhook compatible), e.g.
    #: WISMO_ALERT_WEBHOOKS='["https://hooks.slack.com/services/..."]'.
    alert_webhooks: list[str] = []
    #: SMTP server for alert e-mail; no host, no e-mail.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    alert_from: str = "wismo@localhost"
    #: Who gets every alert e-mail, and who gets those of a responsible function (RACI "R"), e.g.
    #: WISMO_ALERT_RECIPIENTS='{"carrier_management": ["cm@example.com"]}'.
    alert_to: list[str] = []
    alert_recipients: dict[str, list[str]] = {}
    #: Attempts per channel and alert in one run (with backoff) before it is reported as failed.
    alert_attempts: int = 3

    def who(self) -> str:
        return self.user or os.environ.get("USER") or getpass.getuser()

    def role_of(self, user: str) -> str:
        if not self.roles:
            return "admin"
        return self.roles.get(user, "viewer")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
