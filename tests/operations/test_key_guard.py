"""The pseudonymisation key: weak and demo keys refused outside the demo, another key than the warehouse's
refused (real DuckDB); the end-to-end change of key (`wellbeing rekey`) is in tests/exports/test_key_change.py."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from assets.common.key_guard import LABEL, fingerprint, guard_key, stored_fingerprint
from assets.common.settings import DEMO_PSEUDONYM_KEY, ConfigurationError, Settings
from assets.common.warehouse import connect

GOOD = "0123456789abcdef0123456789abcdef"  # 32 characters: the shortest accepted
OTHER = "fedcba9876543210fedcba9876543210"


def _settings(tmp_path, **env) -> Settings:
    return Settings.from_env({"WB_DATA_DIR": str(tmp_path), **env})


@pytest.mark.parametrize("key, problem", [
    (None, "not set"),
    (GOOD[:31], "shorter than 32"),
    (" " * 40, "whitespace"),
    (GOOD + " ", "whitespace"),
    ("\t" + GOOD, "whitespace"),
    (DEMO_PSEUDONYM_KEY, "public demo key"),
])
def test_weak_keys_are_refused_outside_the_demo(tmp_path, key, problem):
    env = {"WB_PSEUDONYM_KEY": key} if key is not None else {}
    with pytest.raises(ConfigurationError, match=problem):
        _settings(tmp_path, **env).require_key()


def test_the_demo_opt_in_takes_the_demo_key_and_short_keys_but_never_whitespace(tmp_path):
    assert _settings(tmp_path).pseudonym_key is None  # no fallback without the opt-in
    assert _settings(tmp_path, WB_DEMO="1").require_key() == "demo-key-not-for-real-data"
    assert _settings(tmp_path, WB_DEMO="1", WB_PSEUDONYM_KEY="short").require_key() == "short"
    assert _settings(tmp_path, WB_PSEUDONYM_KEY=GOOD).require_key() == GOOD
    with pytest.raises(ConfigurationError, match="whitespace"):
        _settings(tmp_path, WB_DEMO="1", WB_PSEUDONYM_KEY="demo key").require_key()


def test_the_fingerprint_is_an_hmac_of_a_fixed_label_and_no_pseudonym():
    expected = hmac.new(GOOD.encode(), b"wellbeing-warehouse: fingerprint of the pseudonymisation key, v1",
                        hashlib.sha256).hexdigest()[:32]
    assert LABEL.startswith(b"wellbeing-warehouse") and fingerprint(GOOD) == expected
    assert fingerprint(GOOD) != fingerprint(OTHER)
    assert GOOD not in fingerprint(GOOD)


def test_another_key_is_refused_and_the_stored_fingerprint_stays(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert stored_fingerprint(con) is None
        assert guard_key(con, _settings(tmp_path, WB_PSEUDONYM_KEY=GOOD)) == GOOD  # the first run records it
        assert stored_fingerprint(con) == fingerprint(GOOD)
        assert guard_key(con, _settings(tmp_path, WB_PSEUDONYM_KEY=GOOD)) == GOOD
        with pytest.raises(ConfigurationError, match=r"not the key this warehouse.*wellbeing rekey") as refused:
            guard_key(con, _settings(tmp_path, WB_PSEUDONYM_KEY=OTHER))
        assert OTHER not in str(refused.value) and GOOD not in str(refused.value)
        assert "fingerprints differ" in str(refused.value)  # that they differ; no bits of either
        assert fingerprint(OTHER)[:8] not in str(refused.value) and fingerprint(GOOD)[:8] not in str(refused.value)
        assert con.execute("SELECT fingerprint FROM ops.pseudonym_key").fetchall() == [(fingerprint(GOOD),)]
