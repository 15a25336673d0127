"""Production refuses to start half-configured, and passes Django's deployment checks."""

from yixun.tests.conftest import manage

SECRET = "k" * 20 + "Qx7-p9Lr2mZt4vWb8nYc5hJd3sFg6aE" + "w" * 10
FIELD_KEY = "x6pY0o8B1lNm7cG9qWz3RtUv5JkLs2Hd4Fa1Ee0Cb8I="


def test_production_without_a_secret_key_stops_with_a_clear_message(tmp_path) -> None:
    result = manage(tmp_path, "check", YIXUN_ENV="production", ALLOWED_HOSTS="yixun.example.org")
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_production_without_a_field_key_stops_with_a_clear_message(tmp_path) -> None:
    result = manage(
        tmp_path, "check", YIXUN_ENV="production", SECRET_KEY=SECRET, ALLOWED_HOSTS="x.org"
    )
    assert result.returncode != 0
    assert "needs YIXUN_FIELD_KEYS" in result.stderr


def test_production_without_allowed_hosts_stops_with_a_clear_message(tmp_path) -> None:
    result = manage(
        tmp_path, "check", YIXUN_ENV="production", SECRET_KEY=SECRET, YIXUN_FIELD_KEYS=FIELD_KEY
    )
    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


def test_configured_production_passes_check_deploy(tmp_path) -> None:
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        YIXUN_ENV="production",
        SECRET_KEY=SECRET,
        YIXUN_FIELD_KEYS=FIELD_KEY,
        ALLOWED_HOSTS="yixun.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_a_malformed_setting_is_named(tmp_path) -> None:
    result = manage(tmp_path, "check", YIXUN_LOCKOUT_MINUTES="a quarter hour")
    assert result.returncode != 0
    assert "YIXUN_LOCKOUT_MINUTES must be a whole number" in result.stderr
    result = manage(tmp_path, "check", DATABASE_URL="mysql://root@localhost/yixun")
    assert "SQLite or PostgreSQL" in result.stderr


def test_a_laptop_needs_no_configuration_and_keeps_its_secret_key(tmp_path) -> None:
    assert manage(tmp_path, "check").returncode == 0
    keys = [(tmp_path / name).read_text() for name in ("secret_key", "field_key")]
    assert manage(tmp_path, "check").returncode == 0
    assert [(tmp_path / name).read_text() for name in ("secret_key", "field_key")] == keys


def test_a_malformed_field_key_stops_start_up_and_names_the_setting(tmp_path) -> None:
    for keys in ("not-a-key", f"{FIELD_KEY},short"):
        result = manage(tmp_path, "check", YIXUN_FIELD_KEYS=keys)
        assert result.returncode != 0
        assert "YIXUN_FIELD_KEYS holds a key that is not a Fernet key" in result.stderr
        assert "Traceback" not in result.stderr.splitlines()[-1]
    result = manage(
        tmp_path,
        "check",
        YIXUN_ENV="production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="yixun.example.org",
        YIXUN_FIELD_KEYS="Zm9vYmFy",
    )
    assert result.returncode != 0 and "not a Fernet key (key 1)" in result.stderr
    assert manage(tmp_path, "check", YIXUN_FIELD_KEYS=FIELD_KEY).returncode == 0


def test_a_site_address_without_its_scheme_is_refused(tmp_path) -> None:
    result = manage(tmp_path, "check", YIXUN_SITE_URL="yixun.example.org")
    assert result.returncode != 0 and "YIXUN_SITE_URL must be an address" in result.stderr
