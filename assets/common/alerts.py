"""Alerts for institutional research: always recorded in `ops.alerts`; mailed when SMTP is configured.

One function raises an alert whatever its cause (rejected file, failed check, warning, freshness), so every
alert looks the same in the table and in the mail.
"""

from __future__ import annotations

import logging
import uuid

import duckdb

log = logging.getLogger(__name__)


def record_alert(con: duckdb.DuckDBPyConnection, *, severity: str, kind: str, subject: str, message: str,
                 action: str | None = None, source: str | None = None, file: str | None = None,
                 check_name: str | None = None, run_id: str | None = None) -> str:
    """Insert one alert row and return its id. The text must never hold a raw student number."""
    alert_id = uuid.uuid4().hex[:12]
    con.execute(
        """INSERT INTO ops.alerts (alert_id, severity, kind, subject, source, file, check_name, message, action,
                                   run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [alert_id, severity, kind, subject, source, file, check_name, message, action, run_id],
    )
    (log.error if severity == "error" else log.warning)("%s: %s", subject, message)
    return alert_id
