"""Time the Excel roster import of 2,000 members against reading the same file alone.

Run by bench/run.py against its scratch PostgreSQL database (the demo county is in it).
Everything is rolled back afterwards.
"""

import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from yixun.accounts.models import User  # noqa: E402
from yixun.accounts.roles import Role  # noqa: E402
from yixun.lib import resident_id  # noqa: E402
from yixun.members.models import Squad  # noqa: E402
from yixun.members.services import excel  # noqa: E402

ROWS = 2000


class Rollback(Exception):
    pass


def workbook(squads: list[str]) -> bytes:
    rng = random.Random(7)
    book = Workbook()
    sheet = book.active
    if sheet is None:  # a new workbook always has one sheet
        raise RuntimeError("openpyxl made a workbook without a sheet")
    sheet.append([str(column.label) for column in excel.IMPORT_COLUMNS])
    for index in range(ROWS):
        first17 = (
            f"420923{1960 + index % 40}{1 + index % 12:02d}{1 + index % 28:02d}{index % 1000:03d}"
        )
        sheet.append(
            [f"测试{index}", f"166{index:08d}", first17 + resident_id.check_character(first17),
             rng.choice(squads), "volunteer", "teacher", "first_aid", "家属", "16700000000", "2024-03-01"]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def seconds(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    officer = User.objects.with_role(Role.OFFICER).first()
    data = workbook(list(Squad.objects.values_list("name", flat=True)))
    read = seconds(
        lambda: list(
            load_workbook(io.BytesIO(data), read_only=True)
            .worksheets[0]
            .iter_rows(values_only=True)
        )
    )
    timings = {}
    try:
        with transaction.atomic():
            timings["first import"] = seconds(lambda: excel.import_roster(data=data, actor=officer))
            timings["same file again"] = seconds(
                lambda: excel.import_roster(data=data, actor=officer)
            )
            raise Rollback
    except Rollback:
        pass
    print(f"\nExcel import of {ROWS} members, PostgreSQL (target: under 10 s)")
    print(f"{'step':<18}{'seconds':>9}{'vs reading':>12}")
    print(f"{'reading the file':<18}{read:>9.2f}{1:>11.2f}x")
    for step, took in timings.items():
        print(f"{step:<18}{took:>9.2f}{took / read:>11.2f}x")


if __name__ == "__main__":
    main()
