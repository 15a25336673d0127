from django_tasks import task

from yixun.shifts.models import Shift


@task()
def close_shift(shift_id: int) -> tuple[int, int]:
    """At a shift's end plus the grace period: close its open duties, record its no-shows."""
    from yixun.patrols.services.duty import close_overdue

    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None:
        return 0, 0
    return close_overdue(shift=shift)
