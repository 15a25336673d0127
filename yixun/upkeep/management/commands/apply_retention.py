from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from yixun.upkeep.retention import apply_all

# How each count reads: done, and (in a dry run) due.
WHAT = {
    "tip_contacts": ("tips' contact details erased", "tips' contact details to erase"),
    "tip_photos": ("tip photos deleted", "tip photos to delete"),
    "patrol_photos": ("patrol photos deleted", "patrol photos to delete"),
    "duty_positions": ("check-in positions erased", "check-in positions to erase"),
    "live_events": ("live events older than a day deleted", "live events to delete"),
    "audit_entries": ("audit entries deleted", "audit entries to delete"),
}


class Command(BaseCommand):
    help = (
        "Delete or erase the personal data past its retention (docs/configuration.md, "
        "\"Retention\"): tips' contact details and photos, patrol photos, duties' check-in "
        "positions, old audit entries. Run it once a day; running it twice does no harm."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what is due; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        counts = apply_all(dry_run=dry_run)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        for name, count in counts.items():
            done, due = WHAT[name]
            self.stdout.write(f"{due if dry_run else done}: {count}")
