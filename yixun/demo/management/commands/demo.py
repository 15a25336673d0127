import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yixun.demo import county, now
from yixun.demo.county import STEPS
from yixun.lib import generations
from yixun.lib import phone as phones


class Command(BaseCommand):
    help = "Build a demo association (squads, members, every role) in an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(county.SIZES), default="full")
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing, successfully, when the database has users (but put people of the "
            "demo on duty now, as --refresh-duty does)",
        )
        parser.add_argument(
            "--refresh-duty",
            action="store_true",
            help="only make sure some of the demo's volunteers are on duty now, in several towns",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["refresh_duty"]:
            self.refresh_duty()
            return
        if not county.is_empty():
            if options["if_empty"]:
                self.stdout.write("The database already has data; the demo was not built again.")
                self.refresh_duty()
                self.print_logins()
                return
            raise CommandError(
                "The database already has users. The demo is built only into an empty database."
            )
        bar = tqdm(
            total=len(STEPS),
            desc="demo",
            unit="step",
            file=sys.stderr,
            disable=options["verbosity"] == 0,
        )

        def progress(step: str) -> None:
            bar.set_postfix_str(step)
            if step in STEPS:  # not the years of the history, which take a while at large size
                bar.update(1)

        # A database built anew reuses the ids of an earlier one: nothing cached of that one
        # (sessions, signed-in people) may be read against this.
        generations.forget_everything()
        made = county.build(size=options["size"], seed=options["seed"], progress=progress)
        bar.close()
        # Whatever the hour of the build, some are on duty in several towns.
        made["on_duty"] += now.refresh()["on_duty"]
        summary = (
            "Demo association built: {areas} areas, {squads} squads, {people} people, {members} members, "
            "{sites} key sites, {shifts} shifts with {claims} claims; since 2011, {duties} duties, "
            "{logs} patrol logs, {inspections} site inspections, {incidents} incidents, "
            "{photos} photos; {on_duty} volunteers on duty now; {tips} tips and {bulletins} bulletins "
            "this year."
        )
        self.stdout.write(self.style.SUCCESS(summary.format(**made)))
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password: {county.DEMO_PASSWORD}):")
        for number, name, role in county.LOGINS:
            self.stdout.write(f"  {phones.display('+86' + number)}  {name}  {role.label}")

    def refresh_duty(self) -> None:
        made = now.refresh()
        if made["towns"]:
            self.stdout.write(
                "{on_duty} volunteers of the demo are on duty now in {towns} towns.".format(**made)
            )
