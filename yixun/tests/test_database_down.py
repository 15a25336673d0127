"""With the database gone Yixun says so: /healthz, pages and the API answer 503, no traceback."""

from yixun.tests.conftest import fetch

UNREACHABLE = "postgres://yixun@127.0.0.1:1/yixun"  # nothing listens on port 1


def test_everything_answers_503_without_a_traceback(yixun_process) -> None:
    with yixun_process(DATABASE_URL=UNREACHABLE) as base:
        status, kind, body = fetch(f"{base}/healthz")
        assert (status, kind) == (503, "application/json")
        assert '"unavailable"' in body

        # A returning visitor's session lives in the database, so the page needs it.
        status, kind, body = fetch(f"{base}/", {"Cookie": "sessionid=" + "a1b2c3d4" * 4})
        assert status == 503
        assert "text/html" in kind
        assert "Traceback" not in body and "OperationalError" not in body
        assert "110" in body  # tells people where to turn in an emergency

        status, kind, body = fetch(f"{base}/api/v1/me", {"Authorization": "Bearer yx_whatever"})
        assert (status, kind) == (503, "application/json; charset=utf-8")
        assert '"unavailable"' in body and "Traceback" not in body
