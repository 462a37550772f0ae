"""Command-line tools of the core: `flask users ...`, `flask backup ...` and `flask messages ...`."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from training import accounts, audit
from training.accounts import Role
from training.extensions import db
from training.public_links import public_url

users_cli = AppGroup("users", help="Create accounts and reset passwords.")
backup_cli = AppGroup("backup", help="Back up and restore the database.")
messages_cli = AppGroup("messages", help="Reminders, messages held for quiet hours, daily digests.")


@messages_cli.command("tick")
def messages_tick() -> None:
    """Send what is due now (reminders, held messages, digests); safe in several processes at once.
    Run it every few minutes (cron or a systemd timer: docs/messages.md), or use `messages run`."""
    from training import messages

    done = messages.tick()
    click.echo(", ".join(f"{name}: {count}" for name, count in done.items()))


@messages_cli.command("run")
@click.option("--every", default=300, show_default=True, help="Seconds between ticks.")
def messages_run(every: int) -> None:
    """Tick forever (a long-running scheduler process; Ctrl-C stops it)."""
    import time

    from training import messages

    while True:
        messages.tick()
        db.session.remove()
        time.sleep(max(every, 10))


@users_cli.command("create")
@click.argument("handle")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="participant", show_default=True)
@click.option("--password", envvar="AMICUS_NEW_PASSWORD",
              help="The password (or set AMICUS_NEW_PASSWORD); asked for when not given.")
@click.option("--email", default=None)
def create_user(handle: str, role: str, password: str | None, email: str | None) -> None:
    """Create an account, e.g. `flask --app wsgi users create mei --role trainer`."""
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(handle, password, role=role, email=email)
        db.session.commit()
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Created {user.role} {user.handle!r}.")


@users_cli.command("reset-link")
@click.argument("handle")
@click.option("--admin", "admin_handle", required=True, help="The admin making the link (for the record).")
def reset_link(handle: str, admin_handle: str) -> None:
    """Print a one-time password-reset link for HANDLE."""
    user, admin = accounts.find_user(handle), accounts.find_user(admin_handle)
    if user is None:
        raise click.ClickException(f"No account has the handle {handle!r}.")
    if admin is None or not admin.is_admin:
        raise click.ClickException(f"{admin_handle!r} is not an admin.")
    hours = current_app.config["AMICUS_RESET_LINK_HOURS"]
    token = accounts.create_reset_token(admin, user, hours)
    audit.record(admin, "account.reset_link", f"user {user.id} ({user.handle})", "server command line")
    db.session.commit()
    click.echo(f"One-time link for {user.handle!r}, valid {hours} hours:\n{public_url('accounts.reset', token=token)}")


@users_cli.command("delete")
@click.argument("handle")
@click.option("--admin", "admin_handle", required=True, help="The admin deleting the account (for the record).")
@click.option("--revoke-certificates", is_flag=True,
              help="Revoke the person's certificates ('at the holder's request'); default: they stay valid.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_user(handle: str, admin_handle: str, revoke_certificates: bool, yes: bool) -> None:
    """Delete an account at its holder's request (trainers and admins, who cannot do it in the
    browser). Hand the person's cohorts to another trainer first."""
    from training.personal_data import erase

    user, admin = accounts.find_user(handle), accounts.find_user(admin_handle)
    if user is None:
        raise click.ClickException(f"No account has the handle {handle!r}.")
    if admin is None or not admin.is_admin:
        raise click.ClickException(f"{admin_handle!r} is not an admin.")
    if user.id == admin.id:
        raise click.ClickException("Another admin must delete an admin's account.")
    if not yes:
        click.confirm(f"Delete {user.role} {user.handle!r} and the personal data held with the account?", abort=True)
    erase(user, keep_certificates=not revoke_certificates, actor=admin)
    db.session.commit()
    click.echo(f"Deleted the account {handle!r}; certificates {'revoked' if revoke_certificates else 'kept valid'}.")


@backup_cli.command("create")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_create(out: Path | None) -> None:
    """Write a consistent backup of the database (default: instance/backups/amicus-<time>)."""
    # Here, not at the top: it loads sqlite3, which a worker on PostgreSQL never needs (#22).
    from training import backup

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        suffix = ".sqlite" if uri.startswith("sqlite") else ".pgdump"
        out = Path(current_app.config["AMICUS_BACKUP_DIR"]) / f"amicus-{stamp}{suffix}"
    try:
        backup.backup(uri, out)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {out}")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(source: Path, yes: bool) -> None:
    """Replace the database with a backup. Stop the site first."""
    # Here, not at the top: it loads sqlite3, which a worker on PostgreSQL never needs (#22).
    from training import backup

    if not yes:
        click.confirm("This replaces everything in the database with the backup. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        backup.restore(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored from {source}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(messages_cli)
    from training.jobs import jobs_cli

    app.cli.add_command(jobs_cli)
