from __future__ import annotations

from pathlib import Path

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


def test_host_and_origin_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " trading.example ,, 10.0.0.5:8000")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://trading.example")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.allowed_hosts == ["trading.example", "10.0.0.5:8000"]
    assert settings.allowed_origins == ["https://trading.example"]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = {line.split("|")[1] for line in readme.splitlines() if line.startswith("| `")}
    documented = " ".join(table)
    missing = [name for name in Settings.model_fields if f"`{name.upper()}`" not in documented]
    assert not missing, f"settings missing from README.md's table: {missing}"
