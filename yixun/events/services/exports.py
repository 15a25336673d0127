"""An event's attendance as an Excel workbook: who registered, who came, who did not."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yixun.events.models import Event, Registration
from yixun.lib import phone as phones
from yixun.lib.spreadsheets import append


def attendance_workbook(event: Event) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Attendance"))
    append(sheet, [event.title, timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")])
    append(
        sheet,
        [
            _("Ticket"),
            _("Name"),
            _("Mobile number"),
            _("Member"),
            _("Status"),
            _("Walk-in"),
            _("Registered"),
            _("Checked in"),
            _("Came"),
        ],
    )
    rows = event.registrations.select_related("member").order_by("created_at", "pk")
    for row in rows.iterator():
        came = row.checked_in_at is not None
        append(
            sheet,
            [
                row.code,
                row.name,
                phones.display(row.phone) if row.phone else "",
                _("yes") if row.member_id else "",
                row.get_status_display(),
                _("yes") if row.is_walk_in else "",
                timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(row.checked_in_at).strftime("%H:%M") if came else "",
                _("yes") if came else (_("no") if _counted_absent(event, row) else ""),
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _counted_absent(event: Event, row: Registration) -> bool:
    return event.is_past and row.status == Registration.Status.CONFIRMED
