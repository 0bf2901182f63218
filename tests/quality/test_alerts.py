"""Alerts: recorded in ops.alerts, mailed in UTF-8 over plain SMTP or STARTTLS to a real SMTP server, never lost
when mail fails, never repeated when de-duplicated."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common.alerts import mail_pending, record_alert
from assets.common.settings import Settings
from assets.common.warehouse import connect
from quality_corpus import free_port


def settings_for(tmp_path: Path, mailbox=None, **extra) -> Settings:
    env = {"WB_DATA_DIR": str(tmp_path), "WB_PSEUDONYM_KEY": "k", **(mailbox.env() if mailbox else {}), **extra}
    return Settings.from_env(env)


def raise_one(con, settings, **overrides):
    values = dict(severity="error", kind="rejected_file", subject="Bestand afgewezen: survey/enquête_één.csv",
                  message="survey/enquête_één.csv is in zijn geheel afgewezen; k10_1: not an answer of the codebook",
                  action="Lees het rapport in quarantine/ en lever een verbeterd bestand.", source="survey_responses",
                  file="survey/enquête_één.csv", run_id="run-1", settings=settings)
    return record_alert(con, **{**values, **overrides})


def test_alert_is_recorded_and_mailed_in_utf8(tmp_path, smtp_server):
    settings = settings_for(tmp_path, smtp_server)
    with connect(settings.warehouse_path) as con:
        alert_id = raise_one(con, settings)
        [(mailed_at,)] = con.execute("SELECT mailed_at FROM ops.alerts WHERE alert_id = ?", [alert_id]).fetchall()
    assert mailed_at is not None
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Bestand afgewezen: survey/enquête_één.csv"
    assert smtp_server.envelopes == [("wellbeing@hogeschool.example", ["io@hogeschool.example"])]
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    for part in ("Wat is er aan de hand?", "k10_1: not an answer of the codebook", "Waar?",
                 "Bestand: survey/enquête_één.csv", "Wat moet er gebeuren?", "Lees het rapport in quarantine/",
                 f"Melding {alert_id}", "ops.alerts"):
        assert part in body
    assert smtp_server.starttls_used == [False]


def test_mail_over_starttls(tmp_path, starttls_server):
    settings = settings_for(tmp_path, starttls_server)
    with connect(settings.warehouse_path) as con:
        raise_one(con, settings)
    assert starttls_server.subjects() == ["Bestand afgewezen: survey/enquête_één.csv"]
    assert starttls_server.starttls_used == [True]


def test_several_recipients(tmp_path, smtp_server):
    settings = settings_for(tmp_path, smtp_server, WB_ALERT_TO="io@hogeschool.example; dpo@hogeschool.example")
    with connect(settings.warehouse_path) as con:
        raise_one(con, settings)
    assert smtp_server.envelopes[0][1] == ["io@hogeschool.example", "dpo@hogeschool.example"]


def test_without_smtp_the_alert_is_only_recorded(tmp_path, smtp_server):
    settings = settings_for(tmp_path)
    with connect(settings.warehouse_path) as con:
        raise_one(con, settings)
        assert con.execute("SELECT kind, mailed_at FROM ops.alerts").fetchall() == [("rejected_file", None)]
    assert smtp_server.messages == []


def test_mail_failure_never_fails_the_pipeline_and_is_retried(tmp_path, smtp_server):
    down = settings_for(tmp_path, smtp_server, WB_SMTP_PORT=str(free_port()))  # nothing listens there
    with connect(down.warehouse_path) as con:
        raise_one(con, down)
        assert con.execute("SELECT mailed_at IS NULL FROM ops.alerts").fetchall() == [(True,)]
        up = settings_for(tmp_path, smtp_server)
        assert mail_pending(con, up) == 1
        assert mail_pending(con, up) == 0  # sent once
        assert con.execute("SELECT mailed_at IS NOT NULL FROM ops.alerts").fetchall() == [(True,)]
    assert smtp_server.subjects() == ["Bestand afgewezen: survey/enquête_één.csv"]


def test_deduplicated_alerts_are_recorded_and_mailed_once(tmp_path, smtp_server):
    settings = settings_for(tmp_path, smtp_server)
    with connect(settings.warehouse_path) as con:
        first = raise_one(con, settings, kind="warning", severity="warning", subject="Waarschuwing: x",
                          dedupe_on=("kind", "source", "message"))
        again = raise_one(con, settings, kind="warning", severity="warning", subject="Waarschuwing: x",
                          run_id="run-2", dedupe_on=("kind", "source", "message"))
        other = raise_one(con, settings, kind="warning", severity="warning", subject="Waarschuwing: x",
                          message="something else", dedupe_on=("kind", "source", "message"))
        assert first == again != other
        assert con.execute("SELECT count(*) FROM ops.alerts").fetchall() == [(2,)]
        with pytest.raises(ValueError):
            raise_one(con, settings, dedupe_on=("action",))
    assert len(smtp_server.messages) == 2


def test_every_text_of_an_alert_is_masked_whoever_raises_it(tmp_path, smtp_server):
    settings = settings_for(tmp_path, smtp_server)
    with connect(settings.warehouse_path) as con:
        raise_one(con, settings, subject="Bestand afgewezen: uren_0612345.csv\x1b[2J",
                  message="kolommen: h1, 612345, 34116\nregel 2", action="Bel 0201234567.",
                  file="participation/hours/uren_0612345.csv\x1b[2J")
        [row] = con.execute("SELECT subject, message, action, file FROM ops.alerts").fetchall()
    assert row == ("Bestand afgewezen: uren_*****45.csv\\x1b[2J", "kolommen: h1, ****45, 34116\nregel 2",
                   "Bel ********67.", "participation/hours/uren_*****45.csv\\x1b[2J")
    [msg] = smtp_server.messages
    assert msg["Subject"] == row[0]
    body = msg.get_content()
    assert "kolommen: h1, ****45, 34116" in body and "612345" not in body and "\x1b" not in body
