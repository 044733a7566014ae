"""Settings from the environment (``WISMO_*``) with working defaults: no configuration needed.

Read once, at an entry point (the ``wismo`` command, the dashboard); lower layers receive values
(a database URL, an ``EngineConfig``), never the environment."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENGINES = ("polars", "duckdb", "spark", "pushdown")


@dataclass(frozen=True)
class EngineConfig:
    """Which engine computes the figures, and its options: resolved once from the settings (or
    ``--engine``) at the entry point and handed to every path that recomputes figures."""

    name: str = "polars"
    spark_master: str = ""
    spark_remote: str = ""
    spark_database: str = ""
    spark_conf: dict[str, str] = field(default_factory=dict)
    polars_streaming: bool = False
    duckdb_memory_limit: str = ""
    spill_dir: str = ""

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ValueError(f"unknown engine {self.name!r} ({', '.join(ENGINES)})")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WISMO_", env_file=".env", extra="ignore")

    #: Any SQLAlchemy URL. Default: embedded SQLite (WAL) under ./data/, created on first use.
    database_url: str = "sqlite:///data/wismo.db"
    #: Where refused loads write their rejects file.
    rejects_dir: Path = Path("data/rejects")
    #: Where `wismo import` and mapped loads stage the contract files they load (kept for inspection).
    imports_dir: Path = Path("data/imports")
    #: Times before this date are refused by a load (a placeholder such as 1900-01-01 is not an order).
    earliest_date: dt.date = dt.date(2000, 1, 1)
    #: What one uploaded file (the Data onboarding page, `wismo mapping suggest`) may expand to: rows, and bytes
    #: once decompressed. Checked from a Parquet file's metadata before it is read, and while a CSV is decompressed.
    upload_max_rows: int = 2_000_000
    upload_max_bytes: int = 512 * 1024 * 1024
    #: Who is recorded as running a load or changing governance content (defaults to the OS user).
    user: str = ""
    #: Governance roles by user name, e.g. WISMO_ROLES='{"ana": "admin", "eli": "editor"}'. Users not
    #: listed are viewers. With no roles configured, the single local user is admin.
    roles: dict[str, str] = {}
    #: A header set by a trusted reverse proxy that carries the signed-in user (e.g. X-Forwarded-User),
    #: honoured only on requests from WISMO_TRUSTED_PROXIES.
    identity_header: str = ""
    #: Addresses (IPs or CIDR blocks) of the reverse proxies whose identity header is believed, e.g.
    #: WISMO_TRUSTED_PROXIES='["10.0.0.5", "10.1.0.0/16"]'. A header from anywhere else is ignored.
    trusted_proxies: list[str] = []
    #: The key of the audit chain's MACs (at least 32 characters, e.g. `openssl rand -hex 32`). Without it,
    #: a key is generated on the first audited change into ``audit.key`` in the audit folder. Keep it out of
    #: the database's reach: whoever holds it can rewrite the audit trail undetected.
    audit_key: SecretStr = SecretStr("")
    #: Where the generated audit key and the audit head's anchor file live (default: beside an embedded
    #: SQLite store, else ./data). Put it on a volume the database's administrators cannot write.
    audit_dir: Path | None = None

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
    smtp_password: SecretStr = SecretStr("")
    #: STARTTLS before anything else is said (default); false only for a relay on this machine.
    smtp_starttls: bool = True
    #: Implicit TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS.
    smtp_ssl: bool = False
    #: Send the SMTP password without TLS to a host other than this machine (refused unless set).
    smtp_plain_auth: bool = False
    #: A CA bundle to trust besides the system's (a company relay's own certificate authority).
    smtp_ca_file: str = ""
    alert_from: str = "wismo@localhost"
    #: Who gets every alert e-mail, and who gets those of a responsible function (RACI "R"), e.g.
    #: WISMO_ALERT_RECIPIENTS='{"carrier_management": ["cm@example.com"]}'.
    alert_to: list[str] = []
    alert_recipients: dict[str, list[str]] = {}
    #: Attempts per channel and alert in one run (with backoff) before it is reported as failed.
    alert_attempts: int = 3
    #: Also alert on a significant deterioration: a KPI that moved the worse way outside the control limits
    #: of its own history (metrics/signal.py), even when its target is still met.
    alert_significant: bool = False

    def engine_config(self, name: str | None = None) -> EngineConfig:
        """The configured engine, or ``name`` (``--engine``) with the configured options."""
        return EngineConfig(name or self.engine, self.spark_master, self.spark_remote, self.spark_database,
                            dict(self.spark_conf), self.polars_streaming, self.duckdb_memory_limit, self.spill_dir)

    def who(self) -> str:
        return self.user or os.environ.get("USER") or getpass.getuser()

    def role_of(self, user: str, *, local: bool = True) -> str:
        """A user's governance role. With no roles configured, the single local user (the CLI, a browser on
        this machine) is admin and anyone else a viewer."""
        if not self.roles:
            return "admin" if local else "viewer"
        return self.roles.get(user, "viewer")
