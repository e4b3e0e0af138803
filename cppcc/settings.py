"""The one place that reads configuration: `CPPCC_*` environment variables and an optional `cppcc.toml`.

Every default is written here, once. Precedence: command-line options > environment > config file >
defaults. A bad value is a `SettingsError` naming the variable (or the config file's key)."""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from warehouse.config import Lake, QueryLimits, is_postgres

from .errors import CppccError

ENV_PREFIX = "CPPCC_"
CONFIG_FILE_VARIABLE = "CPPCC_CONFIG"
DEFAULT_CONFIG_FILE = "cppcc.toml"


class SettingsError(CppccError):
    """A setting has a value that cannot be used."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=True)

    data: Path = Field(Path("data"), description="data folder: default home of everything below")
    inbox: Path | None = Field(None, description="folder where page files land (searched recursively)",
                               json_schema_extra={"shown_default": "$CPPCC_DATA/inbox"})
    warehouse: str | None = Field(
        None, description="the warehouse: a DuckLake catalog file (SQLite), or `postgres:<libpq string>` "
                          "for a PostgreSQL catalog",
        json_schema_extra={"shown_default": "$CPPCC_DATA/warehouse.ducklake"})
    data_files: Path | None = Field(
        None, description="folder of the warehouse's Parquet files (shared storage for a PostgreSQL catalog)",
        json_schema_extra={"shown_default": "the catalog file's name + `.files/`"})
    quarantine: Path | None = Field(None, description="where rejected files are moved",
                                    json_schema_extra={"shown_default": "$CPPCC_DATA/quarantine"})
    batch_size: int = Field(1000, ge=1, description="pages per batch: one Prefect task, one validation, "
                                                    "one atomic commit")
    workers: int = Field(2, ge=1, le=64, description="parsing processes")
    settle_seconds: float = Field(1.0, ge=0, description="a file changed this recently is watched this long; "
                                                         "if it still changes it waits for the next run")
    max_file_bytes: int = Field(2_000_000, ge=1, description="larger files are quarantined")
    parse_budget_seconds: float = Field(10.0, gt=0, description="a page whose decoding and parsing take longer "
                                                               "is quarantined (stage `parse`, \"took longer than "
                                                               "N s\"); the rest of its batch loads")
    lock_wait_seconds: float = Field(60.0, ge=0, description="how long a run waits for another run that holds "
                                                            "the warehouse (`cppcc run --wait`)")
    keep_snapshots_days: float = Field(30.0, ge=0, description="warehouse snapshots (time travel) are kept this "
                                                               "long, then expired and their files removed")
    query_timeout_seconds: float = Field(60.0, gt=0, description="a query of `cppcc query`, `cppcc sql` or the "
                                                                "explorer that runs longer is stopped")
    query_memory_limit: str = Field("2GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
                                    description="the memory one such query may use (DuckDB's `memory_limit`)")

    @model_validator(mode="after")
    def _derive_paths(self) -> "Settings":
        derived = {"inbox": self.data / "inbox", "warehouse": str(self.data / "warehouse.ducklake"),
                   "quarantine": self.data / "quarantine"}
        for name, value in derived.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.data_files is None:
            if self.uses_postgres:
                raise ValueError("a PostgreSQL catalog needs CPPCC_DATA_FILES (the shared folder of its Parquet files)")
            object.__setattr__(self, "data_files", Path(str(self.warehouse) + ".files"))
        return self

    @property
    def uses_postgres(self) -> bool:
        return is_postgres(self.warehouse)

    @property
    def lake(self) -> Lake:
        """Where the warehouse is: what every warehouse function takes."""
        return Lake(str(self.warehouse), Path(self.data_files), self.keep_snapshots_days)

    @property
    def catalog_path(self) -> Path | None:
        """The SQLite catalog file, or None for a PostgreSQL catalog."""
        return self.lake.catalog_path

    @property
    def query_limits(self) -> QueryLimits:
        return QueryLimits(self.query_timeout_seconds, self.query_memory_limit)

    def resolved(self) -> "Settings":
        """The same settings with absolute paths: a scheduled run starts in another working folder."""
        paths = {name: Path(getattr(self, name)).resolve() for name in ("data", "inbox", "quarantine", "data_files")}
        if self.catalog_path is not None:
            paths["warehouse"] = str(self.catalog_path.resolve())
        return self.model_copy(update=paths)

    @property
    def prefect_home(self) -> Path:
        return self.data / "prefect"

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, config_file())


def config_file() -> Path:
    return Path(os.environ.get(CONFIG_FILE_VARIABLE, DEFAULT_CONFIG_FILE))


def load_settings(**overrides) -> Settings:
    """Settings from the environment and config file; `overrides` (command-line options) win when not None."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc, given)) from None
    except (OSError, ValueError) as exc:    # an unreadable or malformed config file
        raise SettingsError(f"{config_file()}: {exc}") from None


def _one_line(exc: ValidationError, given: dict) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    message = error["msg"].removeprefix("Value error, ")
    if not field:
        return message
    variable = ENV_PREFIX + field.upper()
    if field in given:
        where = f"--{field.replace('_', '-')}"
    elif variable in os.environ:
        where = variable
    elif config_file().exists():
        where = f"{config_file()}: {field}"
    else:
        where = variable
    value = error.get("input")
    shown = f" (got {value!r})" if value is not None and not isinstance(value, dict) else ""
    return f"{where}: {message}{shown}"


def settings_table() -> str:
    """The README's settings table, generated from the model (tests/test_settings.py keeps them equal)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra or {}
        default = extra.get("shown_default", f"`{field.default}`")
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {default} | {field.description} |")
    return "\n".join(rows)
