"""Inspections, incidents and photos with and without an idempotency key: a write without one
makes its record; the same key sent again, one after the other or at the same moment, finds
the first record and never another person's; and when the insert fails for another reason,
the sender hears a plain refusal instead of a search for a record that cannot exist."""

import io
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.patrols.models import Incident, Inspection, Photo
from yixun.patrols.services import logs
from yixun.patrols.services.errors import Conflict
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Area, Site
from yixun.shifts.models import Shift


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 90, 200)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def inspect(shift: Shift, actor: User, site: Site, **extra: Any) -> Any:
    return logs.record_inspection(shift=shift, actor=actor, site=site, finding="normal", **extra)


def rescue(shift: Shift, actor: User, site: Site, **extra: Any) -> Any:
    return logs.record_incident(
        shift=shift, actor=actor, kind="rescue", account="老人走失，已送回家", **extra
    )


def photograph(shift: Shift, actor: User, site: Site, **extra: Any) -> Any:
    return logs.add_photo(shift=shift, actor=actor, upload=jpeg(), **extra)


WRITES: dict[str, tuple[Callable[..., Any], type[Any]]] = {
    "inspection": (inspect, Inspection),
    "incident": (rescue, Incident),
    "photo": (photograph, Photo),
}


@pytest.mark.parametrize("kind", WRITES)
def test_a_write_without_a_key_makes_a_record_each_time(claim, volunteer, school, kind) -> None:
    write, model = WRITES[kind]
    first, created = write(claim.shift, volunteer, school)
    second, created_again = write(claim.shift, volunteer, school)
    assert (created, created_again) == (True, True)
    assert first.pk != second.pk and first.key != second.key
    assert model.objects.count() == 2


@pytest.mark.parametrize("kind", WRITES)
def test_the_same_key_again_finds_the_first_record(
    claim, volunteer, volunteer2, school, kind
) -> None:
    write, model = WRITES[kind]
    put_on(claim.shift, volunteer2)
    key = uuid.uuid4()
    first, created = write(claim.shift, volunteer, school, key=key)
    again, created_again = write(claim.shift, volunteer, school, key=key)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk and model.objects.count() == 1
    with pytest.raises(Conflict) as refusal:  # another person's key is not a way into it
        write(claim.shift, volunteer2, school, key=key)
    assert refusal.value.code == "key_reused"
    assert model.objects.count() == 1


# A failed insert that is not the same key twice. Foreign keys are checked when the write
# commits, so these run outside the test's transaction: the service's own is the outermost.


@pytest.fixture
def removed(officer: User) -> User:
    """An officer whose account is removed while their write is on its way: the request holds
    the person, the database no longer does."""
    assert officer.roles  # read now, as the request did when it began
    User.objects.filter(pk=officer.pk).delete()
    return officer


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", WRITES)
@pytest.mark.parametrize("keyed", [False, True], ids=["no key", "a key"])
def test_a_write_that_fails_for_another_reason_is_refused_plainly(
    claim, school, removed, kind, keyed
) -> None:
    write, model = WRITES[kind]
    with pytest.raises(Conflict) as refusal:
        write(claim.shift, removed, school, key=uuid.uuid4() if keyed else None)
    assert refusal.value.code == "conflict"
    assert refusal.value.message
    assert not model.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="patrols.").exists()


@pytest.mark.django_db(transaction=True)
def test_an_inspection_of_a_site_removed_meanwhile_is_refused_plainly(
    volunteer: User, town: Area
) -> None:
    shift = make_shift(town)
    put_on(shift, volunteer)
    gone = Site.objects.create(
        name="临时摊点", kind="market", area=town, latitude=31, longitude=114
    )
    Site.objects.filter(pk=gone.pk).delete()  # the form held it; an officer removed it

    with pytest.raises(Conflict) as refusal:
        inspect(shift, volunteer, gone)

    assert refusal.value.code == "conflict"
    assert not Inspection.objects.exists()


# The same key at the same moment: the phone's resend while the first send is still being
# written, and (a slip, or a forged key) another person's send under the same key.

SENDS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", WRITES)
def test_the_same_key_at_once_makes_one_record_and_only_its_sender_gets_it(
    claim, volunteer, volunteer2, school, kind
) -> None:
    write, model = WRITES[kind]
    put_on(claim.shift, volunteer2)
    key = uuid.uuid4()
    senders = [volunteer, volunteer2] * (SENDS // 2)
    barrier = threading.Barrier(SENDS)
    answers: list[tuple[User, Any]] = []
    errors: list[BaseException] = []

    def send(sender: User) -> None:
        try:
            shift = Shift.objects.get(pk=claim.shift_id)
            barrier.wait(timeout=30)
            answers.append((sender, write(shift, sender, school, key=key)[0]))
        except Conflict as refusal:
            answers.append((sender, refusal.code))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    record = model.objects.get()
    assert len(answers) == SENDS
    for sender, answer in answers:
        if sender.pk == record.created_by_id:
            assert answer == record
        else:
            assert answer == "key_reused"
