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
