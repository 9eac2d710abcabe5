"""Settings, read once by the entry point (CLI or app factory) and passed in."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///trading_data.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; SQLite file in the working directory by default.",
    )
    api_key: str | None = Field(
        default=None, description="When set, write endpoints need X-API-Key."
    )
    protect_reads: bool | None = Field(
        default=None,
        description="Reads need X-API-Key too (every endpoint but /api/health). Unset: on "
        "when API_KEY is set and the server listens beyond loopback.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names (comma-separated) the server answers to besides loopback and "
        "the address it listens on; * for any.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (comma-separated, e.g. https://trading.example.com) whose pages "
        "may write besides the server's own.",
    )
    upload_dir: Path = Field(default=Path("uploads"), description="Where uploads are stored.")
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = Field(default=2 * 1024**3, description="Upload size limit (bytes).")
    max_stream_body_bytes: int = Field(
        default=50 * 1024**2, description="Limit of one stream batch, compressed or not (bytes)."
    )
    max_decompressed_bytes: int = Field(
        default=200 * 1024**2, description="Limit of a gzip body once decompressed (bytes)."
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=30.0,
        description="SQLite: how long a write waits for another writer's lock before its "
        "request is answered 503.",
    )
    rebuild_debounce_seconds: float = Field(
        default=1.0, description="Delay that groups stream batches into one trade rebuild."
    )
    rebuild_process: bool = Field(
        default=True,
        description="PostgreSQL: run the stream's trade rebuilds in a child process, off the "
        "GIL the batches need; false keeps them in the server's process, as on SQLite.",
    )
    job_retry_attempts: int = Field(
        default=5,
        ge=1,
        description="Attempts of an upload job's import, and of a rebuild, while the database "
        "fails transiently (connection lost, lock not granted in time).",
    )
    job_retry_delay_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Wait before the second attempt; it doubles for each further attempt, "
        "up to 60 s.",
    )
    job_recover_seconds: float = Field(
        default=30.0,
        gt=0,
        description="PostgreSQL: how often each server looks for upload jobs left running by "
        "a server that died (their advisory lock is free) and queues them again.",
    )
    event_retention_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How long events are kept for clients that reconnect (seconds).",
    )
    frontend_dir: Path | None = Field(
        default=None, description="Built web app to serve at /; default frontend/dist if present."
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        # Users paste plain postgres:// URLs; the platform speaks psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("api_key")
    @classmethod
    def _blank_key_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def reads_need_key(self) -> bool:
        """Whether every endpoint but /api/health asks for X-API-Key (writes always do)."""
        if self.api_key is None:
            return False
        return self.protect_reads if self.protect_reads is not None else not is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
