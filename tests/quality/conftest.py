"""Fixtures of the data-quality tests: a real SMTP server (aiosmtpd on 127.0.0.1), plain or with STARTTLS, and a
small good landing zone materialised once for every xdist worker."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import shutil
import ssl
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from filelock import FileLock

from quality_corpus import build_good_landing, free_port, run_materialize


@dataclass
class Mailbox:
    """What the SMTP server received: parsed messages (UTF-8 headers decoded) and the envelopes."""
    host: str
    port: int
    messages: list = field(default_factory=list)
    envelopes: list = field(default_factory=list)
    starttls_used: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        self.starttls_used.append(session.ssl is not None)
        return "250 OK"

    def subjects(self) -> list[str]:
        # a folded header may keep the fold's space before the first word; mail clients drop it too
        return [str(m["Subject"]).strip() for m in self.messages]

    def env(self) -> dict[str, str]:
        return {"WB_SMTP_HOST": self.host, "WB_SMTP_PORT": str(self.port),
                "WB_ALERT_FROM": "wellbeing@hogeschool.example", "WB_ALERT_TO": "io@hogeschool.example"}


@pytest.fixture
def smtp_server():
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "relay.pem", tmp / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def starttls_server(tmp_path, monkeypatch):
    """A relay that offers and requires STARTTLS, its certificate trusted the way an institution's CA is
    (`SSL_CERT_FILE`, read by `ssl.create_default_context()`)."""
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, tls_context=context,
                            require_starttls=True)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def materialized(tmp_path_factory, worker_id) -> Path:
    """A data dir after `wellbeing materialize` on the good landing zone, built once for all xdist workers.
    Copy it (`copy_materialized`) before changing anything."""
    root = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    data_dir = root / "quality_materialized" / "data"
    with FileLock(str(root / "quality_materialized.lock")):
        if not (data_dir.parent / "ok").exists():
            shutil.rmtree(data_dir.parent, ignore_errors=True)
            build_good_landing(data_dir / "landing")
            result = run_materialize(data_dir)
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
            (data_dir.parent / "ok").write_text("built")
    return data_dir


@pytest.fixture
def copy_materialized(materialized, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(materialized, target)
    return target
