"""The sign-in settings are checked at start-up."""

from yixun.tests.conftest import manage


def test_the_old_per_account_lock_setting_stops_start_up_with_a_pointer(tmp_path) -> None:
    # A number is no longer locked after five failures; an operator who still sets the old
    # variable must hear so, rather than believe it still works.
    result = manage(tmp_path, "check", YIXUN_LOCKOUT_PER_ACCOUNT="5")
    assert result.returncode != 0
    assert "YIXUN_LOCKOUT_PER_ACCOUNT is gone" in result.stderr
    assert "YIXUN_LOCKOUT_PER_NUMBER" in result.stderr


def test_a_malformed_ceiling_is_named(tmp_path) -> None:
    result = manage(tmp_path, "check", YIXUN_LOCKOUT_PER_NUMBER="many")
    assert result.returncode != 0
    assert "YIXUN_LOCKOUT_PER_NUMBER must be a whole number" in result.stderr
