"""Flask commands: ``flask users …``, ``flask apikey create``, ``flask audit verify``, ``flask demo load``,
``flask mail ingest``, ``flask export DIR``, ``flask import DIR``, ``flask reports generate|verify``,
``flask backup DIR``, ``flask restore DIR``."""

from __future__ import annotations

import csv
import getpass
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from helpdesk.accounts import queries as account_queries
from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role
from helpdesk.audit import queries as audit_queries
from helpdesk.core.actor import SYSTEM
from helpdesk.core.errors import DomainError
from helpdesk.core.storage import FileStore
from helpdesk.core.time import utcnow
from helpdesk.mail import services as mail_services
from helpdesk.portability import backup, export, loading
from helpdesk.reports import services as report_services

users_cli = AppGroup("users", help="Manage accounts.")
apikey_cli = AppGroup("apikey", help="Issue API keys.")
audit_cli = AppGroup("audit", help="Inspect the audit trail.")
demo_cli = AppGroup("demo", help="Demo data.")
mail_cli = AppGroup("mail", help="Inbound mail.")
reports_cli = AppGroup("reports", help="Monthly service-level reports.")


@mail_cli.command("ingest")
@click.argument("source", type=click.File("rb"), default="-")
def ingest_mail(source: io.BufferedReader) -> None:
    """Read one mail (a file, or - for standard input, as an MTA pipe gives it) into the help desk.

    Idempotent by Message-ID. Exits 0 whether the mail became a ticket, a reply, a quarantine entry
    or was ignored as machine mail (the MTA must not bounce it); prints what happened.
    """
    raw = source.read()
    result = mail_services.ingest(raw, now=utcnow(), settings=mail_services.settings_from(current_app.config))
    click.echo(f"mail {result.mail_id}: {result.status.value} ({result.reason})"
               + (f" ticket {result.ticket_id}" if result.ticket_id else "")
               + (" [already ingested]" if result.is_duplicate else ""))


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--family-name", required=True)
@click.option("--given-name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.REQUESTER.value)
@click.option("--site", "site_code", default=None, help="Site code.")
@click.option("--party", "party_codes", multiple=True, help="Party code (repeatable).")
@click.option("--locale", type=click.Choice(list(accounts.LOCALES)), default="ja")
@click.option("--password", default=None, help="Omit to be prompted (recommended).")
@click.option("--no-password", is_flag=True, help="Create without a password (directory only).")
def create_user(email: str, family_name: str, given_name: str, role: str, site_code: str | None,
                party_codes: tuple[str, ...], locale: str, password: str | None,
                no_password: bool) -> None:
    """Create one account."""
    if password is None and not no_password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            raise click.ClickException("passwords differ")
    fields = accounts.UserFields(email=email, family_name=family_name, given_name=given_name,
                                 role=Role(role), site_code=site_code, party_codes=party_codes,
                                 locale=locale, is_security_cleared=role in ("security", "admin"))
    try:
        user = accounts.create_user(fields, actor=SYSTEM, now=utcnow(), password=password)
    except DomainError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc
    click.echo(f"created user {user.id} <{user.email}> role={user.role.value}")


@users_cli.command("import")
@click.argument("source", type=click.File("rb"))
def import_users(source: io.BufferedReader) -> None:
    """Import the staff directory from a CSV file (UTF-8, UTF-8 with BOM, or Shift_JIS/cp932).

    Columns: email, family_name, given_name, family_kana, given_kana, site, department,
    extension (optional: role, locale). All rows are imported or none.
    """
    raw = source.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("email", "family_name") if c not in (reader.fieldnames or [])]
    if missing:
        raise click.ClickException(f"missing columns: {', '.join(missing)}")
    report = accounts.import_directory(reader, actor=SYSTEM, now=utcnow())
    if not report.ok:
        for line, column, message in report.errors:
            click.echo(f"line {line}: {column}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s); nothing was imported")
    click.echo(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")


@apikey_cli.command("create")
@click.option("--user", "user_email", default=None, help="E-mail of the user the key acts as.")
@click.option("--party", "party_code", default=None, help="Code of the party the key acts as.")
@click.option("--name", default="", help="What the key is for.")
def create_api_key(user_email: str | None, party_code: str | None, name: str) -> None:
    """Issue an API key; it is printed once and only its hash is stored."""
    if (user_email is None) == (party_code is None):
        raise click.UsageError("give exactly one of --user or --party")
    user_id = party_id = None
    if user_email:
        user = account_queries.find_user_by_email(user_email)
        if user is None:
            raise click.ClickException(f"no user {user_email}")
        user_id = user.id
    if party_code:
        party = account_queries.find_party_by_code(party_code)
        if party is None:
            raise click.ClickException(f"no party {party_code}")
        party_id = party.id
    row, key = accounts.create_api_key(actor=SYSTEM, now=utcnow(), name=name, user_id=user_id,
                                       party_id=party_id)
    click.echo(key)
    click.echo(f"(key {row.prefix}: store it now, it cannot be shown again)", err=True)


@audit_cli.command("verify")
def verify_audit() -> None:
    """Check the hash chain; exit 1 and list each problem if anything was edited, inserted or deleted."""
    checked, problems = audit_queries.verify_chain()
    for problem in problems:
        click.echo(f"#{problem.seq} {problem.kind}: {problem.detail}", err=True)
    if problems:
        click.echo(f"audit chain BROKEN: {len(problems)} problem(s) in {checked} events", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {checked} events")


@demo_cli.command("load")
@click.option("--tickets", "ticket_count", default=300, show_default=True)
def load_demo(ticket_count: int) -> None:
    """Load demo data (idempotent: a second run changes nothing) and print demo logins."""
    from helpdesk.demo import loader

    result = loader.load(ticket_count=ticket_count, now=utcnow())
    click.echo(result.summary())
    click.echo("")
    click.echo(f"Demo logins (password for all: {loader.DEMO_PASSWORD})")
    for role, email in loader.demo_logins():
        click.echo(f"  {role:<11} {email}")


def _progress_printer(verb: str) -> Callable[[int, int], None]:
    """Print ``done/total`` to stderr at every further 5 %, so a long run shows it is alive."""
    shown = -1

    def show(done: int, total: int) -> None:
        nonlocal shown
        percent = 100 * done // total if total else 100
        if percent // 5 > shown // 5 or done == total:
            shown = percent
            click.echo(f"{verb}: {done:,}/{total:,} ({percent} %)", err=True)

    return show


Outcome = TypeVar("Outcome")


def _move_all_data(operation: Callable[..., Outcome], directory: Path, verb: str) -> Outcome:
    """Run the export or the import as the system, against the configured attachment store."""
    try:
        return operation(directory, now=utcnow(), actor=SYSTEM,
                         store=FileStore(current_app.config["ATTACHMENT_ROOT"]),
                         progress=_progress_printer(verb))
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_data(directory: Path) -> None:
    """Write every table as JSON Lines, the attachment files and a manifest into DIRECTORY (new or empty).

    The format is documented in docs/export-format.md.
    """
    started = time.perf_counter()
    manifest = _move_all_data(export.export_all, directory, "export")
    for entry in manifest.tables:
        click.echo(f"  {entry.table:<28} {entry.rows:>10,} rows")
    for key in manifest.missing_attachments:
        click.echo(f"attachment file missing from the store: {key}", err=True)
    click.echo(f"exported {manifest.row_count:,} rows in {len(manifest.tables)} tables, "
               f"{len(manifest.attachments):,} attachment files, {manifest.byte_count:,} bytes "
               f"in {time.perf_counter() - started:.1f} s to {directory}")


@click.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_data(directory: Path) -> None:
    """Load an export made by ``flask export`` into this empty instance (all or nothing)."""
    started = time.perf_counter()
    summary = _move_all_data(loading.import_all, directory, "import")
    for table, rows in summary.rows.items():
        click.echo(f"  {table:<28} {rows:>10,} rows")
    if summary.audit_problems:
        click.echo(f"the imported audit chain has {summary.audit_problems} problem(s): "
                   "run `flask audit verify` for the list", err=True)
    click.echo(f"imported {sum(summary.rows.values()):,} rows, "
               f"{summary.attachment_files:,} attachment files, {summary.bytes:,} bytes "
               f"in {time.perf_counter() - started:.1f} s; "
               f"audit chain: {summary.audit_events_checked:,} events checked")


@reports_cli.command("generate")
@click.argument("month")
def generate_report(month: str) -> None:
    """Compute MONTH's (YYYY-MM) report now, without a worker, and store it as a new snapshot."""
    try:
        snapshot = report_services.generate(month, actor=SYSTEM, now=utcnow())
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"snapshot {snapshot.id} of {snapshot.month}: sha256 {snapshot.sha256}")


@reports_cli.command("verify")
@click.option("--month", default=None, help="Only this month (YYYY-MM).")
def verify_reports(month: str | None) -> None:
    """Recompute every stored snapshot from the raw data; print each difference (path: old → new).

    Exits 1 when any snapshot's stored hash no longer matches or any figure differs.
    """
    results = report_services.verify(month)
    changed = [r for r in results if not r.is_same]
    for result in changed:
        click.echo(f"snapshot {result.snapshot_id} ({result.month}, "
                   f"{result.generated_at:%Y-%m-%d %H:%M} UTC):")
        if not result.is_hash_intact:
            click.echo("  stored content does not match its sha256")
        for path, old, new in result.differences:
            click.echo(f"  {path}: {old!r} → {new!r}")
    click.echo(f"{len(results)} snapshot(s) checked, {len(changed)} differ")
    if changed:
        sys.exit(1)


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--timeout", default=backup.DEFAULT_TIMEOUT, show_default=True,
              help="Seconds pg_dump may take.")
def backup_data(directory: Path, timeout: float) -> None:
    """Back up the database (pg_dump -Fc, or SQLite's online backup) and the attachment store into
    DIRECTORY (new or empty), with a SHA-256 manifest. Safe while the app runs; writes nothing to it."""
    try:
        report = backup.back_up(directory, store=FileStore(current_app.config["ATTACHMENT_ROOT"]),
                                now=utcnow(), timeout=timeout)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    manifest = report.manifest
    click.echo(f"{manifest.engine} database at revision {manifest.alembic_revision}: "
               f"{sum(manifest.row_counts.values()):,} rows in {len(manifest.row_counts)} tables, "
               f"{manifest.database.bytes:,} bytes, dumped in {report.dump_seconds:.1f} s")
    click.echo(f"{len(manifest.attachments):,} attachment files, "
               f"{sum(a.bytes for a in manifest.attachments):,} bytes, copied in {report.copy_seconds:.1f} s")
    for key in manifest.missing_attachments:
        click.echo(f"attachment file missing from the store: {key}", err=True)
    click.echo(f"backup written to {directory}")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--jobs", default=2, show_default=True, help="Parallel pg_restore jobs.")
@click.option("--timeout", default=backup.DEFAULT_TIMEOUT, show_default=True,
              help="Seconds pg_restore may take.")
def restore_data(directory: Path, jobs: int, timeout: float) -> None:
    """Restore a ``flask backup`` DIRECTORY into this EMPTY database and attachment store, then verify
    row counts, the audit chain and every attachment file. Exits 1 on any refusal or difference."""
    try:
        report = backup.restore(directory, store=FileStore(current_app.config["ATTACHMENT_ROOT"]),
                                jobs=jobs, timeout=timeout)
    except DomainError as exc:
        notes = "\n".join(getattr(exc, "__notes__", []))
        raise click.ClickException(f"{exc.message}\n{notes}".strip()) from exc
    manifest = report.manifest
    click.echo(f"checked the backup of {manifest.created_at} in {report.check_seconds:.1f} s")
    click.echo(f"restored {sum(manifest.row_counts.values()):,} rows and {len(manifest.attachments):,} "
               f"attachment files in {report.restore_seconds:.1f} s")
    click.echo(f"verified row counts, {len(manifest.attachments):,} attachment files and "
               f"{report.audit_events_checked:,} audit events in {report.verify_seconds:.1f} s")
    total = report.check_seconds + report.restore_seconds + report.verify_seconds
    click.echo(f"restore complete in {total:.1f} s; run `flask db upgrade` if this code is newer than "
               f"revision {manifest.alembic_revision}")


def register_cli(app: Flask) -> None:
    """Attach the command groups and the export/import/backup/restore commands."""
    for group in (users_cli, apikey_cli, audit_cli, demo_cli, mail_cli, reports_cli):
        app.cli.add_command(group)
    app.cli.add_command(export_data)
    app.cli.add_command(import_data)
    app.cli.add_command(backup_data)
    app.cli.add_command(restore_data)
