"""Every expected failure of every command: a short message on stderr, exit 1 (2 for usage), no traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cppcc.cli import main
from cppcc.generate import write_pages

BIN = Path(sys.executable).parent
DOWN = "http://127.0.0.1:9/api"      # nothing listens on the discard port


def cppcc(tmp_path: Path, *args, **env):
    full = {**os.environ, "CPPCC_DATA": str(tmp_path / "data"), "CPPCC_INBOX": str(tmp_path / "inbox"),
            "CPPCC_WAREHOUSE": str(tmp_path / "w.ducklake"), "CPPCC_SETTLE_SECONDS": "0", **env}
    full.pop("PREFECT_API_URL", None)
    full.update({k: v for k, v in env.items() if k == "PREFECT_API_URL"})
    return subprocess.run([str(BIN / "cppcc"), *args], capture_output=True, text=True, timeout=120, env=full)


@pytest.fixture
def not_a_warehouse(tmp_path):
    path = tmp_path / "notes.ducklake"
    path.write_text("these are my notes\n")
    return str(path)


@pytest.fixture
def inbox_with_a_page(tmp_path):
    write_pages(tmp_path / "inbox", 1, seed=3)
    return tmp_path


CASES = [
    # (name, args, env, exit code, message)
    ("empty query", ["query", ""], {}, 1, "no SQL statement given"),
    ("query without a warehouse", ["query", "select 1"], {}, 1, "no warehouse at"),
    ("query on a file that is not a warehouse", ["query", "select 1", "--warehouse", "{notes}"], {}, 1,
     "cannot open the warehouse"),
    ("status on a file that is not a warehouse", ["status", "--warehouse", "{notes}"], {}, 1, "cannot open the warehouse"),
    ("history without a warehouse", ["history"], {}, 1, "no warehouse at"),
    ("sql without a warehouse", ["sql"], {}, 1, "no warehouse at"),
    ("reprocess without a warehouse", ["reprocess"], {}, 1, "no warehouse at"),
    ("generate into a file", ["generate", "--pages", "2", "--out", "{notes}"], {}, 2, "is a file"),
    ("generate a negative number of pages", ["generate", "--pages", "-5", "--out", "{tmp}/x"], {}, 2,
     "-5 is not in the range x>=1"),
    ("address without dask", ["run", "--address", "tcp://x:8786"], {}, 2, "--address needs --runner dask"),
    ("run with the Prefect server down", ["run"], {"PREFECT_API_URL": DOWN, "needs_page": True}, 1,
     "no Prefect server answers at http://127.0.0.1:9/api"),
    ("run with a missing inbox", ["run", "--inbox", "/no/such/dir"], {}, 1, "inbox /no/such/dir does not exist"),
    ("a word for a number", ["run"], {"CPPCC_WORKERS": "two"}, 1, "CPPCC_WORKERS: Input should be a valid integer"),
    ("a zero batch", ["status"], {"CPPCC_BATCH_SIZE": "0"}, 1, "CPPCC_BATCH_SIZE: Input should be greater than"),
    ("serve a cron that is not one", ["serve", "--cron", "every night"], {}, 2, "Invalid cron string"),
    ("serve in a time zone that is not one", ["serve", "--timezone", "Mars/Base"], {}, 2, "Invalid timezone"),
    ("serve without a server", ["serve"], {}, 1, "no Prefect server is configured"),
    ("serve with the server down", ["serve"], {"PREFECT_API_URL": DOWN}, 1, "no Prefect server answers"),
    ("retry a file that is not quarantined", ["retry", "nope.txt"], {"needs_page": True}, 1, "is not quarantined"),
    ("forget a page that is not loaded", ["forget", "nope.txt"], {}, 1, "no page named nope.txt"),
    ("migrate from a missing file", ["migrate", "--from", "{tmp}/missing.duckdb"], {}, 2, "does not exist"),
    ("an unknown command", ["frobnicate"], {}, 2, "No such command"),
]


@pytest.mark.slow                # a `cppcc` process each
@pytest.mark.parametrize("name, args, env, code, message", CASES, ids=[c[0] for c in CASES])
def test_expected_failures_are_one_line(tmp_path, not_a_warehouse, name, args, env, code, message):
    env = dict(env)
    if env.pop("needs_page", False):
        write_pages(tmp_path / "inbox", 1, seed=3)
    args = [a.format(notes=not_a_warehouse, tmp=tmp_path) for a in args]
    result = cppcc(tmp_path, *args, **env)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4, result.stderr   # click's usage lines at most


def test_version_and_help():
    runner = CliRunner()
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("cppcc-warehouse ") and "parser" in version.output
    assert runner.invoke(main, ["-h"]).exit_code == 0


def test_every_command_and_option_has_help():
    def walk(group, prefix=""):
        for name, command in group.commands.items():
            yield prefix + name, command
            if hasattr(command, "commands"):
                yield from walk(command, prefix + name + " ")

    for name, command in walk(main):
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts}"


PROJECT_PACKAGES = ("cppcc", "flows", "transforms", "warehouse", "expectations")


def _project_modules():
    import importlib
    import pkgutil

    root = Path(__file__).resolve().parents[1]
    for package in PROJECT_PACKAGES:
        for info in pkgutil.walk_packages([str(root / package)], prefix=f"{package}."):
            # no errors; the parser loads itself; the explorer's app is a script Streamlit runs
            if info.name not in ("cppcc.ui_check", "flows.parse_worker", "cppcc.explore.app"):
                yield importlib.import_module(info.name)
    yield importlib.import_module("transforms.lexicons")


def test_every_error_the_project_defines_shares_one_base():
    """An expected failure is a CppccError: every exception class the project defines derives from it."""
    from cppcc.errors import CppccError

    defined = {obj for module in _project_modules() for obj in vars(module).values()
               if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == module.__name__}
    assert {"SettingsError", "WarehouseError", "WarehouseMissing", "QueryError", "InboxError", "RunLocked", "RunFailed",
            "PrefectUnavailable", "PageParseError", "LexiconError", "NotFound"} <= {c.__name__ for c in defined}
    # OverBudget is no error but an interruption, like KeyboardInterrupt: raised into a parse that took too long
    # (a BaseException, so the parser's `except Exception` cannot swallow it), it never leaves parse_source_page.
    interruptions = {"OverBudget"}
    assert [c.__name__ for c in defined if not issubclass(c, CppccError) and c.__name__ not in interruptions] == []
    assert all(not issubclass(c, Exception) for c in defined if c.__name__ in interruptions)


def test_the_error_base_loads_nothing_else():
    """Every layer imports cppcc.errors, the pure transforms too: it must not bring Prefect, DuckDB or the CLI."""
    code = ("import sys; before = set(sys.modules); import cppcc.errors; "
            "print(sorted(m for m in set(sys.modules) - before if not m.startswith('_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['cppcc', 'cppcc.errors']"


def test_a_bug_keeps_its_traceback_an_expected_failure_is_one_line(monkeypatch, tmp_path):
    """Only expected failures become one line: a KeyError (a bug) is not hidden as "not found"."""
    import flows.runs

    monkeypatch.setenv("CPPCC_DATA", str(tmp_path))
    monkeypatch.setattr(flows.runs, "forget", lambda settings, name: {}["issues"])
    result = CliRunner().invoke(main, ["forget", "x.txt"])
    assert isinstance(result.exception, KeyError), result.output

    def not_found(settings, name):
        raise flows.runs.NotFound(f"no page named {name}")

    monkeypatch.setattr(flows.runs, "forget", not_found)
    result = CliRunner().invoke(main, ["forget", "x.txt"])
    assert result.exit_code == 1 and result.output.strip() == "Error: no page named x.txt"


def test_the_summary_artifact_failing_is_logged_and_a_bug_is_not_swallowed(monkeypatch, caplog):
    import logging

    import httpx

    import prefect.artifacts

    from flows.summary import RunSummary, publish

    def unreachable(**_):
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(prefect.artifacts, "create_markdown_artifact", unreachable)
    logger = logging.getLogger("test-publish")
    with caplog.at_level(logging.WARNING, logger="test-publish"):
        publish(RunSummary(source="inbox"), logger)
    assert "could not publish the run's summary artifact: connection refused" in caplog.text

    monkeypatch.setattr(prefect.artifacts, "create_markdown_artifact", lambda **_: {}["key"])
    with pytest.raises(KeyError):
        publish(RunSummary(source="inbox"), logger)


def test_the_quiet_environment_is_written_once():
    """The libraries' analytics and progress bars are switched off in one place (cppcc/environment.py)."""
    root = Path(__file__).resolve().parents[1]
    files = [p for p in root.rglob("*") if p.is_file() and (p.suffix == ".py" or p.name == "Makefile")
             and not {".venv", "data", ".git"} & set(p.relative_to(root).parts) and p != Path(__file__).resolve()]
    writers = sorted(str(p.relative_to(root)) for p in files
                     if "GX_ANALYTICS_ENABLED" in p.read_text(encoding="utf-8", errors="replace"))
    assert writers == ["cppcc/environment.py"]
