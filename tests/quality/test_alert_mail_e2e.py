"""End to end: a real SMTP server (aiosmtpd on 127.0.0.1) receives institutional research's alert mail from
`wellbeing materialize` – for a rejected file, and for a failed blocking check – in UTF-8 Dutch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from quality_corpus import HOURS_HEADER, run_materialize


def export_fingerprint(data_dir: Path) -> dict[str, str]:
    return {p.relative_to(data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((data_dir / "exports").rglob("*")) if p.is_file()}


def test_alert_mail_for_a_rejected_file_and_for_a_failed_check(copy_materialized: Path, smtp_server):
    data_dir = copy_materialized
    exports = export_fingerprint(data_dir)
    hours = data_dir / "landing" / "participation" / "hours"

    # 1. A file with an impossible number of hours (and a non-ASCII name): rejected, mailed.
    bad = hours / "uren_één.csv"
    bad.write_text(HOURS_HEADER + "r9,612345,34116,Den Haag,2023-02-01,25\n", encoding="utf-8")
    rejected = run_materialize(data_dir, **smtp_server.env())
    assert rejected.returncode == 1
    assert "participation/hours/uren_één.csv rejected: hours: outside the allowed range -24 … 24 (1 row; rows 2)" \
        in rejected.stderr
    assert smtp_server.subjects() == ["Bestand afgewezen: participation/hours/uren_één.csv"]
    [mail] = smtp_server.messages
    body = mail.get_content()
    assert "hours: outside the allowed range -24 … 24 (1 row; rows 2)" in body
    assert "Bestand: participation/hours/uren_één.csv" in body and ".report.md" in body
    assert smtp_server.envelopes[0] == ("wellbeing@hogeschool.example", ["io@hogeschool.example"])

    # 2. The file is withdrawn; another arrives with a student number where the programme code belongs. It is
    # valid input (rows load, a warning says the programme is unknown), but the number would reach a mart:
    # the blocking check stops the exports and is mailed.
    bad.unlink()
    (hours / "2023-04.csv").write_text("record_id;student_number;programme_code;location;work_date;hours\n"
                                       "r10;700009;612345;Den Haag;03-04-2023;2\n", encoding="utf-8")
    blocked = run_materialize(data_dir, **smtp_server.env())
    assert blocked.returncode == 1, blocked.stdout[-3000:] + blocked.stderr[-3000:]
    assert "check no_raw_identifiers on marts/participation_by_programme failed" in blocked.stderr
    subjects = smtp_server.subjects()[1:]
    assert "Controle mislukt: no_raw_identifiers op marts/participation_by_programme" in subjects
    assert "Waarschuwing: programmes_in_register op staging/stg_participation__hours" in subjects
    mails = dict(zip(smtp_server.subjects(), smtp_server.messages))
    check_mail = mails["Controle mislukt: no_raw_identifiers op marts/participation_by_programme"]
    text = check_mail.get_content()
    assert "programme_code: 1 cell(s) looks like a raw student number (6–8 digits)" in text
    assert "Tot dan worden geen exports bijgewerkt." in text
    warning_mail = mails["Waarschuwing: programmes_in_register op staging/stg_participation__hours"]
    assert "****45 × Den Haag: programme unknown (1 row)" in warning_mail.get_content()
    assert export_fingerprint(data_dir) == exports                    # nothing was published
    for message in smtp_server.messages:                               # no raw number in any mail
        assert "612345" not in message.as_string() and "700009" not in message.as_string()

    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        recorded = con.execute("SELECT kind, subject, mailed_at IS NOT NULL FROM ops.alerts ORDER BY raised_at").fetchall()
    finally:
        con.close()
    assert all(mailed for _k, _s, mailed in recorded)
    assert {s for _k, s, _m in recorded} == set(smtp_server.subjects())
