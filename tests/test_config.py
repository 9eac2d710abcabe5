from __future__ import annotations

import pytest

from strategy_analysis.config import Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "API_KEY", "UPLOAD_DIR", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///trading_data.db"
    assert settings.api_key is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_env_file_and_postgres_url(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("API_KEY", raising=False)
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://u:p@db:5432/x\nAPI_KEY=secret\n")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/x"
    assert settings.api_key == "secret"


def test_blank_api_key_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEY", "")
    assert Settings().api_key is None
