"""`cppcc`: a thin command line over flows/, warehouse/ and the generator. Each command is glue.

Expected failures (`cppcc.errors.is_expected`: bad settings, a missing inbox or warehouse, refused SQL, an
unreachable Prefect server, a failed run) end with one line on stderr and exit 1; bad usage exits 2. Never a
traceback for those."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

RUN_COMMANDS = ("run", "reprocess", "retry")
if sys.argv[1:2] and sys.argv[1] in RUN_COMMANDS and Path(sys.argv[0]).name == "cppcc":
    # SIGTERM and SIGINT cancel a run (flows/cancel.py) from the first moment: before the imports below, which
    # take a fifth of a second, so that a signal during start-up too ends the command with its one line.
    from flows import cancel as _cancel

    _cancel.install()

import click

from transforms import PARSER_VERSION
from warehouse.errors import first_line

from .environment import quiet_libraries
from .errors import is_expected
from .output import json_default, print_rows
from .prefect_server import DEFAULT_HOST, DEFAULT_PORT, PrefectUnavailable
from .settings import ENV_PREFIX, Settings, load_settings

EXAMPLE_QUERIES = [
    ("Articles per district", "SELECT district_name, count(*) AS articles FROM articles GROUP BY 1 ORDER BY 2 DESC LIMIT 5"),
    ("Largest reported quantities", "SELECT surface, unit, subject FROM metrics ORDER BY value DESC LIMIT 5"),
    ("Proposals named on the pages", "SELECT title, kind, proposer FROM proposals LIMIT 5"),
]
CONTEXT = {"help_option_names": ["-h", "--help"]}


class Cli(click.Group):
    """Turns an expected failure into one line and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:         # `cppcc query … | head`
            sys.exit(0)
        except click.ClickException:
            raise
        except Exception as exc:
            if _cancelled():            # whatever failed because the run was asked to stop: that is the news
                raise click.ClickException(_cancelled_line(exc)) from None
            if not is_expected(exc):
                raise
            raise click.ClickException(_one_line(exc)) from None


def _cancelled() -> bool:
    cancel = sys.modules.get("flows.cancel")
    return bool(cancel and cancel.requested())


def _cancelled_line(exc: Exception) -> str:
    from flows.cancel import RunCancelled, reason

    if isinstance(exc, RunCancelled):   # a checkpoint before the flow started: nothing to record
        return f"run cancelled before it started: {reason()}"
    return f"run cancelled: {reason()}"


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OSError):        # a folder that cannot be written, a file that cannot be read
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return first_line(exc)


def _version() -> str:
    import duckdb
    from importlib.metadata import version

    return f"cppcc-warehouse {version('cppcc-warehouse')} (parser {PARSER_VERSION}, duckdb {duckdb.__version__})"


def _default(setting: str) -> str:
    """Where a setting's default comes from, for an option's help: its variable, else the settings' default."""
    field = Settings.model_fields[setting]
    shown = (field.json_schema_extra or {}).get("shown_default", field.default)
    return f"default: ${ENV_PREFIX}{setting.upper()}, else {str(shown).strip('`')}"


def warehouse_option(f):
    return click.option("--warehouse", default=None, metavar="CATALOG",
                        help=f"The warehouse's catalog file ({_default('warehouse')}).")(f)


def inbox_option(f):
    return click.option("--inbox", default=None, help=f"Folder of page files ({_default('inbox')}).")(f)


def _settings(**overrides) -> Settings:
    return load_settings(**overrides)


def _print_version(ctx, param, value):
    if value and not ctx.resilient_parsing:
        click.echo(_version())
        ctx.exit()


@click.group(cls=Cli, context_settings=CONTEXT)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version (and the parser's and DuckDB's) and exit.")
def main():
    """cppcc-warehouse: Chongqing CPPCC district pages -> a DuckLake warehouse."""
    quiet_libraries()


def _use_prefect(settings: Settings) -> str | None:
    """Report to PREFECT_API_URL, else to the local server if it runs; check it answers."""
    from .prefect_server import healthy, resolve_api_url

    api_url = resolve_api_url(settings.prefect_home)
    if api_url:
        if not healthy(api_url, timeout=5):
            raise PrefectUnavailable(f"no Prefect server answers at {api_url}: start it with "
                                     f"`cppcc prefect-server start`, or unset PREFECT_API_URL to run without one")
        os.environ["PREFECT_API_URL"] = api_url
    return api_url


_as_command = False        # `cppcc` itself (entry), not `main` called in another program (a test's CliRunner)


def _take_signals() -> None:
    """SIGTERM and SIGINT cancel the run from here on (flows/cancel.py) — in the `cppcc` command only: another
    program calling `main` keeps its own handlers."""
    if _as_command:
        from flows import cancel

        cancel.install()


def _prefect_for_a_run(settings: Settings):
    """`_use_prefect`, or else a throwaway server for the run (ThrowawayServer: `run_flow` starts it first thing
    and waits for it just before the flow), whose address Prefect is told now."""
    if _use_prefect(settings):
        return None
    from .prefect_server import ThrowawayServer

    server = ThrowawayServer(on_start=lambda address: click.echo(
        f"Starting temporary server on {address} for this run (its history is lost; `cppcc prefect-server start` "
        f"keeps one)", err=True))
    os.environ["PREFECT_API_URL"] = server.api_url
    return server


def _flow(settings: Settings, call=None, **options) -> dict:
    """Run the flow (`run_flow`, or `call(ready)`); its failure becomes one line (the reason it records in `runs`
    and on the Prefect run). SIGTERM or SIGINT meanwhile cancels it (flows/cancel.py)."""
    from flows import cancel

    _take_signals()
    server = _prefect_for_a_run(settings)    # before Prefect is imported: it reads PREFECT_API_URL then
    import httpx

    from flows.lock import RunFailed as FlowFailed
    from flows.runs import run_flow

    try:
        return call(server) if call else run_flow(settings, server=server, **options)
    except FlowFailed as exc:
        message = str(exc)
        raise click.ClickException(message if message.startswith("skipped") else f"run {message}") from None
    except httpx.HTTPError as exc:
        if cancel.requested():
            raise
        raise click.ClickException(f"lost the Prefect server: {first_line(exc)}") from None


def _report(result: dict, as_json: bool = False) -> None:
    """The flow's result: as text, or as the one JSON object it is (`--json`, for scripts)."""
    from flows.summary import counts_line

    if as_json:
        click.echo(json.dumps(result, default=json_default))
        return
    click.echo(f"{result['status'].lower()}: " + counts_line(result))
    click.echo("rows added by this run: " + ", ".join(f"{t} {n}" for t, n in result["rows_added"].items()))
    click.echo("warehouse totals: " + ", ".join(f"{t} {n}" for t, n in result["totals"].items()))
    click.echo("seconds: " + ", ".join(f"{stage} {s:.2f}" for stage, s in result["seconds"].items()))


@main.command(context_settings=CONTEXT)
@inbox_option
@warehouse_option
@click.option("--force", is_flag=True, help="Run even when nothing is new, and re-load every file.")
@click.option("--demo-if-empty", is_flag=True, help="Fill an empty inbox with generated demo pages first.")
@click.option("--summary", is_flag=True, help="End with three example queries.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's result as one JSON object (counters, rows "
              "added, totals, stage seconds); other messages go to stderr.")
@click.option("--wait", "wait_seconds", type=float, default=None,
              help=f"Seconds to wait for another run that holds the warehouse ({_default('lock_wait_seconds')}).")
@click.option("--runner", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: parsing processes on this machine; dask: batch tasks on a Dask cluster.")
@click.option("--address", default=None, help="Dask scheduler for --runner dask, e.g. tcp://10.0.0.5:8786 "
              "(default: a two-worker LocalCluster).")
def run(inbox, warehouse, force, demo_if_empty, summary, as_json, wait_seconds, runner, address):
    """Run the nightly-ingest flow once over the inbox.

    Example: cppcc run --inbox data/inbox --warehouse data/warehouse.ducklake"""
    if address and runner != "dask":
        raise click.UsageError("--address needs --runner dask")
    if as_json and summary:
        raise click.UsageError("--json and --summary do not go together")
    from flows import cancel
    from flows.runs import migrate_if_needed, preview
    from flows.summary import counts_line

    _take_signals()
    settings = _settings(inbox=inbox, warehouse=warehouse, lock_wait_seconds=wait_seconds)
    if demo_if_empty:
        _fill_demo_inbox(Path(settings.inbox), as_json)
    if message := migrate_if_needed(settings):
        click.echo(message, err=as_json)
    plan = preview(settings, force)          # refuses a damaged warehouse
    cancel.check()
    if not plan.has_work and not force:
        if as_json:
            click.echo(json.dumps({"flow_run_id": None, "plan": plan.counters()}))
        else:
            click.echo(f"nothing new in {settings.inbox}: {counts_line(plan.counters())}; no flow run started")
    else:
        _report(_flow(settings, force=force, runner=runner, address=address, preview=plan), as_json)
    if summary:
        _print_examples(settings)


def _fill_demo_inbox(inbox: Path, to_stderr: bool = False) -> None:
    if inbox.exists() and any(p for p in inbox.rglob("*") if p.is_file()):
        return
    from .generate import write_pages

    paths = write_pages(inbox, pages=20, seed=1)
    click.echo(f"inbox was empty: wrote {len(paths)} demo pages to {inbox}", err=to_stderr)


def _print_examples(settings: Settings) -> None:
    from warehouse.sandbox import query

    for title, sql in EXAMPLE_QUERIES:
        click.echo(f"\n-- {title}\n$ cppcc query \"{sql}\"")
        print_rows(*query(settings.lake, sql, settings.query_limits), "table")


@main.command(context_settings=CONTEXT)
@warehouse_option
@click.option("--all", "everything", is_flag=True, help="Re-process pages already at the current parser version too.")
def reprocess(warehouse, everything):
    """Re-parse the stored raw pages with the current parser and reload them (no inbox needed).

    Example: cppcc reprocess --all"""
    from flows.summary import counts_line
    from warehouse.check import require_intact
    from warehouse.connection import require_warehouse

    settings = _settings(warehouse=warehouse)
    require_warehouse(settings.lake)
    require_intact(settings.lake)
    result = _flow(settings, source="stored", everything=everything)
    if not result["loaded"] and not result["quarantined"]:
        click.echo(f"every stored page is at parser version {PARSER_VERSION}; nothing to re-process")
    else:
        click.echo(f"re-processed {result['loaded'] + result['quarantined']} pages with parser {PARSER_VERSION}: "
                   + counts_line(result, ("loaded", "quarantined")))


@main.command("query", context_settings=CONTEXT)
@click.argument("sql")
@warehouse_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="Output format; csv and json are the way to export.")
def query_cmd(sql, warehouse, fmt):
    """Run one read-only SQL statement against the warehouse (sandboxed: no file access, no settings).

    Example: cppcc query "select count(*) from articles" --format csv"""
    from warehouse.sandbox import query

    settings = _settings(warehouse=warehouse)
    print_rows(*query(settings.lake, sql, settings.query_limits), fmt)


@main.command("sql", context_settings=CONTEXT)
@warehouse_option
@click.option("-c", "--command", "command", default=None, metavar="SQL",
              help="Run these statements and exit (1 if one failed); else read them from standard input or the prompt.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="Output format (`.mode` changes it in the shell).")
def sql_cmd(warehouse, command, fmt):
    """An interactive read-only SQL shell on the warehouse, with the sandbox and limits of `cppcc query`.

    Example: cppcc sql -c "SELECT count(*) FROM metrics; SELECT count(*) FROM articles"  """
    from .sql_shell import run_shell

    settings = _settings(warehouse=warehouse)
    sys.exit(run_shell(settings.lake, settings.query_limits, command, fmt))


@main.command(context_settings=CONTEXT)
@click.option("--pages", type=click.IntRange(min=1), required=True, help="How many pages to write (at least 1).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same pages.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write into (created if missing).")
def generate(pages, seed, out):
    """Write synthetic pages in the printed layout.

    Example: cppcc generate --pages 100 --seed 7 --out data/inbox"""
    from .generate import write_pages

    paths = write_pages(out, pages, seed)
    click.echo(f"wrote {len(paths)} pages to {out}")


@main.command(context_settings=CONTEXT)
@warehouse_option
@click.option("--runs", "run_count", type=click.IntRange(min=1), default=5, show_default=True, help="Recent runs to show.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Quarantined files to list.")
def status(warehouse, run_count, limit):
    """Recent runs (failed ones with their reason), rows per table and quarantined files.

    Example: cppcc status"""
    from flows.summary import counts_line
    from warehouse.read import status as wh_status

    info = wh_status(_settings(warehouse=warehouse).lake, run_count, limit)
    click.echo("rows: " + ", ".join(f"{t} {n}" for t, n in info["counts"].items()))
    click.echo("recent runs:")
    for r in info["runs"]:
        line = (f"  {r['started_at']:%Y-%m-%d %H:%M:%S} {r['run_id']} {r['status']}: "
                + counts_line(r, ("files_seen", "loaded", "quarantined")))
        click.echo(line + (f" — {r['reason']}" if r["reason"] else ""))
    shown, total = len(info["quarantine"]), info["quarantine_total"]
    click.echo(f"quarantined files: {total}" if shown == total else f"quarantined files: {shown} of {total} (newest first)")
    for q in info["quarantine"]:
        click.echo(f"  {q['source_name']} [{q['stage']}] {q['reason']}")


@main.command(context_settings=CONTEXT)
@warehouse_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Snapshots to show.")
def history(warehouse, limit):
    """The warehouse's snapshots, newest first: time, run, pages and rows each commit changed.

    Example: cppcc history --limit 5"""
    from warehouse.read import history as wh_history

    for s in wh_history(_settings(warehouse=warehouse).lake, limit):
        rows = ", ".join(f"{t} {n:+d}" for t, n in (s["rows"] or {}).items())
        pages = f"{s['pages']} pages" if s["pages"] is not None else ""
        click.echo(f"{s['snapshot']:>6}  {s['time']:%Y-%m-%d %H:%M:%S}  {s['kind']:<11} {s['run_id'] or '':<12}  "
                   f"{pages}{'; ' if pages and rows else ''}{rows}".rstrip())


@main.command(context_settings=CONTEXT)
@inbox_option
@warehouse_option
@click.option("--repair", is_flag=True, help="Take the damaged files out and re-load the pages whose rows they "
              "held from the stored raw pages (or say which inbox files to put back).")
def check(inbox, warehouse, repair):
    """Check every data and delete file of the warehouse: there, whole, readable. Exit 1 if one is damaged.

    Example: cppcc check --repair"""
    from warehouse.check import inspect

    settings = _settings(inbox=inbox, warehouse=warehouse)
    if repair:
        from flows.repair import repair as repair_warehouse

        for line in repair_warehouse(settings):
            click.echo(line)
    report = inspect(settings.lake)
    if report.ok:
        click.echo(f"warehouse ok: {report.files} files in {report.tables} tables")
        return
    for damage in report.damaged:
        click.echo(damage.line(settings.data_files))
    what = f"{len(report.damaged)} damaged files" if report.damaged else "a repair did not finish"
    raise click.ClickException(f"{what}: run `cppcc check --repair`")


@main.command(context_settings=CONTEXT)
@click.argument("name")
@warehouse_option
def retry(name, warehouse):
    """Re-try one quarantined file after fixing it (NAME as `cppcc status` lists it).

    Example: cppcc retry 2025/05/27_p4.txt"""
    from flows.runs import retry as retry_file

    settings = _settings(warehouse=warehouse)
    _report(_flow(settings, call=lambda server: retry_file(settings, name, server=server)))


@main.command(context_settings=CONTEXT)
@click.argument("name")
@warehouse_option
def forget(name, warehouse):
    """Remove one page's rows and stored raw page; later runs skip the file until `cppcc retry`.

    Example: cppcc forget 2025/05/27_p4.txt"""
    from flows.runs import forget as forget_page

    removed = forget_page(_settings(warehouse=warehouse), name)
    click.echo(f"forgot {name}: " + ", ".join(f"{t} {n}" for t, n in removed.items()) + " rows removed")


@main.command(context_settings=CONTEXT)
@warehouse_option
@click.option("--from", "source", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The old DuckDB-file warehouse (default: the one the configuration points at).")
def migrate(warehouse, source):
    """Move a warehouse of the earlier kind (one DuckDB file) into the DuckLake warehouse, once.

    Example: cppcc migrate --from data/warehouse.duckdb"""
    from flows.runs import migrate_if_needed
    from warehouse.migrate import migrate as migrate_file

    settings = _settings(warehouse=warehouse)
    if source is not None:
        counts = migrate_file(settings.lake, source)
        click.echo(f"migrated {source}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    else:
        click.echo(migrate_if_needed(settings) or "nothing to migrate: no DuckDB-file warehouse is configured")


@main.command(context_settings=CONTEXT)
@inbox_option
@warehouse_option
@click.option("--cron", default="0 2 * * *", show_default=True, help="When to run, as a cron expression.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="Time zone of the cron expression.")
def serve(inbox, warehouse, cron, timezone):
    """Register the `nightly-ingest` deployment on a schedule and serve it (needs a Prefect server).

    Scheduled runs get every setting of this process (environment and cppcc.toml). SIGTERM pauses the
    deployment and stops within seconds.

    Example: cppcc serve --cron "0 2 * * *" --timezone Asia/Shanghai"""
    from .serving import schedule, serve_deployment

    settings = _settings(inbox=inbox, warehouse=warehouse)
    try:
        when = schedule(cron, timezone)
    except ValueError as exc:
        raise click.BadParameter(first_line(exc), param_hint="--cron/--timezone") from None
    from .prefect_server import require_server

    serve_deployment(settings, when, require_server(_use_prefect(settings)))


@main.command(context_settings=CONTEXT)
@warehouse_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port of the app.")
def explore(warehouse, host, port):
    """The warehouse in the browser, read-only: overview, search, districts, proposals, metrics, articles.

    Example: cppcc explore   (then open http://127.0.0.1:8501)"""
    import importlib.util

    if importlib.util.find_spec("streamlit") is None:
        raise click.ClickException("the explorer needs Streamlit: pip install -e '.[explore]' (make setup installs it)")
    from .explore import serve

    sys.exit(serve(_settings(warehouse=warehouse), host, port))


@main.group("prefect-server", cls=Cli, context_settings=CONTEXT)
def prefect_server():
    """The local Prefect server and UI (history under $CPPCC_DATA/prefect)."""


@prefect_server.command("start", context_settings=CONTEXT)
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port of the UI and API.")
@click.option("--foreground", is_flag=True, help="Run in this terminal (for a service manager) instead of the background.")
def prefect_server_start(host, port, foreground):
    """Start the Prefect server; `cppcc run` reports to it from then on.

    Example: cppcc prefect-server start"""
    from .prefect_server import server_env, start_local

    settings = _settings()
    home = settings.prefect_home.resolve()
    if foreground:
        api_url = f"http://{host}:{port}/api"
        click.echo(f"Prefect UI at http://{host}:{port} (PREFECT_HOME={home})")
        home.mkdir(parents=True, exist_ok=True)
        os.execvpe(sys.executable, [sys.executable, "-m", "prefect", "server", "start", "--host", host,
                                    "--port", str(port)], server_env(home, api_url))
    state, started = start_local(home, host, port)
    ui = state["api_url"].removesuffix("/api")
    click.echo(f"Prefect UI at {ui} ({'started' if started else 'already running'}, pid {state['pid']}); "
               f"stop it with `cppcc prefect-server stop`")


@prefect_server.command("stop", context_settings=CONTEXT)
def prefect_server_stop():
    """Stop the local Prefect server started with `cppcc prefect-server start`."""
    from .prefect_server import stop_local

    state = stop_local(_settings().prefect_home.resolve())
    click.echo(f"stopped the Prefect server (pid {state['pid']})" if state else "no local Prefect server is running")


@prefect_server.command("status", context_settings=CONTEXT)
def prefect_server_status():
    """Say whether the local Prefect server runs, and where."""
    from .prefect_server import local_server

    state = local_server(_settings().prefect_home.resolve())
    click.echo(f"running at {state['api_url'].removesuffix('/api')} (pid {state['pid']})" if state
               else "not running: start it with `cppcc prefect-server start`")


@main.command("server", hidden=True, context_settings=CONTEXT)
@click.option("--host", default=DEFAULT_HOST, help="Address to listen on.")
@click.option("--port", type=int, default=DEFAULT_PORT, help="Port of the UI and API.")
@click.pass_context
def server_alias(ctx, host, port):
    """Old name of `cppcc prefect-server start --foreground` (renamed: too close to `serve`)."""
    click.echo("`cppcc server` is now `cppcc prefect-server start` (this runs it in the foreground)", err=True)
    ctx.invoke(prefect_server_start, host=host, port=port, foreground=True)


def entry() -> None:
    """The `cppcc` command: `main`, then a quick exit. Once the exit handlers have run (Prefect's log and
    event flushers, the helper processes' shutdown), tearing down every imported module would only cost
    the command another half second."""
    import atexit

    from . import prefect_server

    global _as_command
    _as_command = True
    prefect_server.stopped_after_exit_handlers = True
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            click.echo(exc.code, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    if "flows.workers" in sys.modules:
        sys.modules["flows.workers"].stop_helpers(at_exit=True)
    atexit._run_exitfuncs()
    prefect_server.stop_throwaway_servers()  # after Prefect's exit handlers: they flush their logs to it
    if _cancelled():                         # a process the run started half-way when it was stopped
        sys.modules["flows.cancel"].sweep()
    os._exit(code)


if __name__ == "__main__":
    entry()
