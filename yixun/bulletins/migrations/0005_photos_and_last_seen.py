"""Several photos per bulletin (each bulletin's one photo becomes its first), and where and
when an urgent alert's missing person was last seen."""

import django.db.models.deletion
from django.db import migrations, models


def photos_from_photo(apps, schema_editor):
    """The file stays where it is: the new row points at the same name in storage."""
    Bulletin = apps.get_model("bulletins", "Bulletin")
    BulletinPhoto = apps.get_model("bulletins", "BulletinPhoto")
    BulletinPhoto.objects.bulk_create(
        BulletinPhoto(bulletin_id=pk, image=name, position=0)
        for pk, name in Bulletin.objects.exclude(photo="").values_list("pk", "photo")
    )


def photo_from_photos(apps, schema_editor):
    """Back to one photo: the first is kept; the others' rows go (their files stay)."""
    Bulletin = apps.get_model("bulletins", "Bulletin")
    BulletinPhoto = apps.get_model("bulletins", "BulletinPhoto")
    first: dict[int, str] = {}
    for pk, name in BulletinPhoto.objects.order_by("-position", "-pk").values_list(
        "bulletin_id", "image"
    ):
        first[pk] = name
    for pk, name in first.items():
        Bulletin.objects.filter(pk=pk).update(photo=name)


class Migration(migrations.Migration):
    dependencies = [
        ("bulletins", "0004_public_push"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulletin",
            name="last_seen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last seen at"),
        ),
        migrations.AddField(
            model_name="bulletin",
            name="last_seen_place",
            field=models.CharField(blank=True, max_length=200, verbose_name="last seen where"),
        ),
        migrations.CreateModel(
            name="BulletinPhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "image",
                    models.ImageField(upload_to="bulletins/%Y/%m/", verbose_name="photo"),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, verbose_name="position"),
                ),
                (
                    "bulletin",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="bulletins.bulletin",
                    ),
                ),
            ],
            options={
                "verbose_name": "bulletin photo",
                "verbose_name_plural": "bulletin photos",
                "ordering": ["position", "pk"],
            },
        ),
        migrations.RunPython(photos_from_photo, photo_from_photos),
        migrations.RemoveField(
            model_name="bulletin",
            name="photo",
        ),
    ]
