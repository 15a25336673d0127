import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.html import strip_tags

from yixun.audit import services as audit
from yixun.audit.sentences import LABELS, SENTENCES
from yixun.members.models import Member

SOURCE = Path(__file__).resolve().parents[2]  # the yixun package
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2}$")
WILD = "\0"  # stands for the part of an f-string only known when it runs


def _values(node: ast.AST) -> set[str] | None:
    """The strings an expression can be, when they are written in the source."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _values(node.body), _values(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _values(node.left), _values(node.right)
        if left is None or right is None:
            return None
        return {a + b for a in left for b in right}
    if isinstance(node, ast.JoinedStr):
        return {
            "".join(part.value if isinstance(part, ast.Constant) else WILD for part in node.values)
        }
    return None


def codes_in_the_code() -> set[str]:
    """Every audit code Yixun's code can write: an `action=` argument, a dotted string assigned
    to a name, or the verb handed to the tips' `_log` helper."""
    labels = {config.label for config in apps.get_app_configs() if config.name.startswith("yixun.")}
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            candidates: list[ast.AST] = []
            if isinstance(node, ast.Call):
                candidates += [k.value for k in node.keywords if k.arg == "action"]
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "_log" and len(node.args) > 1:
                    verbs = _values(node.args[1]) or set()
                    found |= {f"tips.tip.{verb}" for verb in verbs}
            if isinstance(node, ast.Assign):
                candidates.append(node.value)
            for candidate in candidates:
                for value in _values(candidate) or set():
                    if value.split(".")[0] in labels and CODE.match(value.replace(WILD, "x")):
                        found.add(value)
    return found


def test_the_scan_finds_codes_written_in_each_way() -> None:
    found = codes_in_the_code()
    assert "accounts.user.logged_in" in found  # action="…"
    assert "places.site.created" in found  # "places.site." + ("created" if … else …)
    assert "accounts.user.password_reset" in found  # action = "…" if … else "…"
    assert "tips.tip.closed" in found  # _log(actor, "closed", tip)
    assert f"patrols.{WILD}.corrected" in found  # f"patrols.{…}.corrected"
    assert len(found) > 100


def test_every_code_written_in_the_code_has_a_sentence() -> None:
    missing = set()
    for code in codes_in_the_code():
        if WILD in code:
            pattern = re.compile(re.escape(code).replace(re.escape(WILD), "[a-z_]+") + "$")
            if not any(pattern.match(known) for known in SENTENCES):
                missing.add(code.replace(WILD, "*"))
        elif code not in SENTENCES:
            missing.add(code)
    assert not missing, f"audit codes without a sentence in yixun/audit/sentences.py: {missing}"


def test_every_sentence_names_only_what_an_entry_has() -> None:
    for code, sentence in SENTENCES.items():
        assert re.match(r"^[a-z]+\.[a-z_]+\.[a-z_]+$", code), code
        for name in re.findall(r"%\((\w+)\)s", str(sentence)):
            assert name in {"actor", "target"} or name in LABELS, (code, name)


@pytest.fixture
def trail(officer, volunteer, squad):
    audit.record(
        actor=volunteer,
        action="accounts.user.logged_in",
        target=volunteer,
        data={"method": "password"},
    )
    audit.record(
        actor=officer,
        action="members.roster.exported",
        data={"rows": 12, "full_id_numbers": False, "reason": "年度统计"},
    )
    audit.record(
        actor=officer,
        action="accounts.user.role_granted",
        target=volunteer,
        data={"role": "moderator"},
    )
    audit.record(
        actor=officer,
        action="members.insurance_policy.created",
        data={"starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    )


def page_text(client) -> tuple[str, str]:
    html = client.get("/audit/").content.decode()
    main = html[html.index("<main") :] if "<main" in html else html
    return html, strip_tags(main)


def test_each_entry_reads_as_a_sentence_in_english(login, officer, trail) -> None:
    officer.language = "en"
    officer.save(update_fields=["language"])
    _html, text = page_text(login(officer))
    assert "张志愿 signed in" in text
    assert "周建国 exported the roster" in text
    assert "周建国 gave 张志愿 the role Moderator" in text
    assert "full ID numbers" in text
    assert re.search(r"full ID numbers\s*no", text)
    assert "Jan. 1, 2026" in text  # a date, not 2026-01-01


def test_no_raw_code_or_raw_value_is_shown(login, officer, trail) -> None:
    html, text = page_text(login(officer))
    for code in ["accounts.user.logged_in", "members.roster.exported", "accounts.user.role"]:
        assert code not in text
    assert 'title="accounts.user.logged_in' in html  # still there for officers who search
    assert "full_id_numbers" not in text
    assert not re.search(r"\b(True|False|None)\b", text)
    assert "moderator" not in text


def untranslated(texts: dict) -> list[str]:
    with translation.override("en"):
        english = {key: str(text) for key, text in texts.items()}
    with translation.override("zh-hans"):
        return [key for key, text in texts.items() if str(text) == english[key]]


def test_every_sentence_and_label_is_translated_to_chinese() -> None:
    assert untranslated(SENTENCES) == []
    assert untranslated(LABELS) == []


def test_the_chinese_page_says_it_in_chinese(login, officer, trail) -> None:
    _html, text = page_text(login(officer))
    assert "张志愿 登录了" in text
    assert "全部身份证号" in text and "否" in text


def test_names_in_the_details_cost_one_query_per_kind(
    login, officer, volunteer, leader, squad, django_assert_max_num_queries
) -> None:
    member = Member.objects.get(user=volunteer)
    for _index in range(40):
        audit.record(
            actor=officer,
            action="members.squad.leader_set",
            target=squad,
            data={"leader": leader.pk},
        )
        audit.record(
            actor=officer,
            action="members.member.kind_changed",
            target=member,
            data={"from": "regular", "to": "probation"},
        )
        audit.record(
            actor=officer, action="accounts.access_token.revoked", data={"user": volunteer.pk}
        )
    client = login(officer)
    with django_assert_max_num_queries(10):
        text = strip_tags(client.get("/audit/").content.decode())
    assert "王队长" in text
    assert f"#{leader.pk}" not in text
