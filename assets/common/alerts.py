"""Alerts for institutional research: always recorded in `ops.alerts`; mailed when SMTP is configured.

One function raises an alert whatever its cause (rejected file, failed check, warning, freshness, failed run),
so every alert looks the same in the table and in the mail: what was found, where, and what to do, in Dutch.

Mail goes out with `email.message.EmailMessage` over `smtplib` (UTF-8 subject and body; STARTTLS when the
server offers it, else plain SMTP, as institutional relays often are): `WB_SMTP_HOST`, `WB_SMTP_PORT`,
`WB_ALERT_FROM`, `WB_ALERT_TO` (comma-separated for several addresses). A mail that cannot be sent never
fails the pipeline: the alert stays recorded with `mailed_at` null, and the alert sensor retries it.

Every text of an alert passes `safe_text` here, whatever the caller passed: no raw student number (a digit run
of six or more) and no control character reaches the table, the log or the mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import duckdb

from assets.common.masking import safe_text, setting_text
from assets.common.settings import Settings

log = logging.getLogger(__name__)

SEVERITY_NL = {"error": "fout", "warning": "waarschuwing"}
KIND_NL = {
    "rejected_file": "bestand afgewezen",
    "failed_check": "controle mislukt",
    "warning": "waarschuwing bij het laden",
    "freshness": "levering ontbreekt",
    "run_failure": "run mislukt",
}
CHECK_SUBJECT_NL = {"error": "Controle mislukt", "warning": "Waarschuwing"}
#: Columns an alert may be de-duplicated on (see `record_alert(dedupe_on=…)`).
DEDUPE_COLUMNS = ("severity", "kind", "subject", "source", "file", "check_name", "message", "run_id")
SMTP_TIMEOUT_S = 20


def record_alert(con: duckdb.DuckDBPyConnection, *, severity: str, kind: str, subject: str, message: str,
                 action: str | None = None, source: str | None = None, file: str | None = None,
                 check_name: str | None = None, run_id: str | None = None, settings: Settings | None = None,
                 dedupe_on: tuple[str, ...] = (), folder: Path | None = None) -> str:
    """Insert one alert row (and mail it when `settings` has SMTP configured); return its id.

    `dedupe_on` names columns (of `DEDUPE_COLUMNS`): when an alert with the same values there was recorded
    before, nothing new is recorded or mailed and that alert's id is returned (a warning found on every run is
    reported once; a failed check once per run however many places notice it).

    `{folder}` in `action` becomes `folder` (a configured folder, not masked: only the rest of the text is).
    """
    subject, message = safe_text(subject), safe_text(message, one_line=False)
    action = None if action is None else safe_text(action, one_line=False)
    if action is not None and folder is not None:
        action = action.replace("{folder}", setting_text(folder))
    file = None if file is None else safe_text(file)
    values = {"severity": severity, "kind": kind, "subject": subject, "source": source, "file": file,
              "check_name": check_name, "message": message, "run_id": run_id}
    if dedupe_on:
        unknown = set(dedupe_on) - set(DEDUPE_COLUMNS)
        if unknown:
            raise ValueError(f"cannot de-duplicate alerts on {sorted(unknown)}")
        where = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in dedupe_on)
        seen = con.execute(f"SELECT alert_id FROM ops.alerts WHERE {where} LIMIT 1",
                           [values[c] for c in dedupe_on]).fetchall()
        if seen:
            return seen[0][0]
    alert_id = uuid.uuid4().hex[:12]
    con.execute(
        """INSERT INTO ops.alerts (alert_id, severity, kind, subject, source, file, check_name, message, action,
                                   run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [alert_id, severity, kind, subject, source, file, check_name, message, action, run_id],
    )
    (log.error if severity == "error" else log.warning)("%s: %s", subject, message)
    if settings is not None and mail_configured(settings):
        mail_alerts(con, settings, [alert_id])
    return alert_id


# --- mail ----------------------------------------------------------------------------------------------------


def record_check_alert(con: duckdb.DuckDBPyConnection, *, error: bool, asset: str, check_name: str, message: str,
                       action: str | None, run_id: str, settings: Settings | None) -> str:
    """The alert of a failed asset check, whoever notices it (the check itself, or a hook or sensor for dbt's
    tests): an error once per run, a warning once for as long as it says the same."""
    severity = "error" if error else "warning"
    return record_alert(
        con, severity=severity, kind="failed_check" if error else "warning",
        subject=f"{CHECK_SUBJECT_NL[severity]}: {check_name} op {asset}", message=message, action=action,
        source=asset, check_name=check_name, run_id=run_id, settings=settings,
        dedupe_on=("kind", "source", "check_name", "run_id") if error else ("kind", "source", "check_name", "message"))


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.alert_to)


def recipients(settings: Settings) -> list[str]:
    return [a.strip() for a in (settings.alert_to or "").replace(";", ",").split(",") if a.strip()]


def compose(alert: dict, settings: Settings) -> EmailMessage:
    """The mail of one alert: the subject as recorded, a body saying what, where and what to do."""
    where = [f"{label}: {alert[key]}" for label, key in (
        ("Bron", "source"), ("Bestand", "file"), ("Controle", "check_name"), ("Dagster-run", "run_id"))
        if alert.get(key)]
    raised = alert.get("raised_at")
    body = [
        "Beste collega van Institutioneel Onderzoek,",
        "",
        f"De wellbeing-warehouse-pipeline meldt: {KIND_NL.get(alert['kind'], alert['kind'])} "
        f"({SEVERITY_NL.get(alert['severity'], alert['severity'])}).",
        "",
        "Wat is er aan de hand?",
        f"  {alert['message']}",
        "",
        "Waar?",
        *(f"  {line}" for line in (where or ["(geen bestand of controle)"])),
        f"  Datamap: {settings.data_dir}",
        "",
        "Wat moet er gebeuren?",
        f"  {alert.get('action') or 'Geen actie nodig; ter informatie.'}",
        "",
        "Gepubliceerde marts en exports blijven zoals ze waren zolang een blokkerende controle faalt of een "
        "bestand is afgewezen." if alert["severity"] == "error" else
        "De gegevens zijn wel geladen; controleer of dit klopt.",
        "",
        f"Melding {alert['alert_id']}" + (f", {raised:%d-%m-%Y %H:%M}" if isinstance(raised, dt.datetime) else "")
        + " – ook te vinden in de tabel ops.alerts van het warehouse.",
    ]
    msg = EmailMessage()
    msg["Subject"] = alert["subject"]
    msg["From"] = settings.alert_from or f"wellbeing-warehouse@{settings.smtp_host}"
    msg["To"] = ", ".join(recipients(settings))
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="wellbeing-warehouse.local")
    msg["X-Wellbeing-Alert"] = f"{alert['kind']}/{alert['alert_id']}"
    msg.set_content("\n".join(body), charset="utf-8")
    return msg


def send(settings: Settings, messages: list[EmailMessage]) -> None:
    """Deliver over one SMTP connection: STARTTLS when the server offers it, else plain."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        for msg in messages:
            smtp.send_message(msg)


def mail_alerts(con: duckdb.DuckDBPyConnection, settings: Settings, alert_ids: list[str]) -> int:
    """Mail the given alerts (those not mailed yet); mark them mailed. Returns how many were sent."""
    if not alert_ids or not mail_configured(settings):
        return 0
    placeholders = ", ".join("?" for _ in alert_ids)
    cursor = con.execute(
        f"""SELECT alert_id, raised_at, severity, kind, subject, source, file, check_name, message, action, run_id
            FROM ops.alerts WHERE alert_id IN ({placeholders}) AND mailed_at IS NULL ORDER BY raised_at""",
        alert_ids)
    names = [d[0] for d in cursor.description]
    alerts = [dict(zip(names, row)) for row in cursor.fetchall()]
    if not alerts:
        return 0
    try:
        send(settings, [compose(a, settings) for a in alerts])
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        log.warning("alert mail to %s via %s:%s failed (%s: %s); the alerts stay recorded in ops.alerts and "
                    "are retried", settings.alert_to, settings.smtp_host, settings.smtp_port,
                    exc.__class__.__name__, exc)
        return 0
    sent = [a["alert_id"] for a in alerts]
    con.execute(f"UPDATE ops.alerts SET mailed_at = current_timestamp WHERE alert_id IN "
                f"({', '.join('?' for _ in sent)})", sent)
    return len(sent)


def mail_pending(con: duckdb.DuckDBPyConnection, settings: Settings, within: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Retry alerts of the last `within` that were never mailed (SMTP down, or configured since)."""
    if not mail_configured(settings):
        return 0
    since = dt.datetime.now() - within
    ids = [r[0] for r in con.execute(
        "SELECT alert_id FROM ops.alerts WHERE mailed_at IS NULL AND raised_at >= ? ORDER BY raised_at",
        [since]).fetchall()]
    return mail_alerts(con, settings, ids)
