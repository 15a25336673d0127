from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yixun.accounts import services
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.lib import phone as phones


class Command(BaseCommand):
    help = (
        "Grant a role to the user with this mobile number (for the first officer of a new install)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phone")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            number = phones.normalize_mobile(options["phone"])
        except phones.InvalidPhone:
            raise CommandError(f"{options['phone']!r} is not a mainland mobile number.") from None
        user = User.objects.filter(phone=number).first()
        if user is None:
            raise CommandError(
                f"No user has the number {phones.mask(number)}; create one with createsuperuser."
            )
        services.grant_role(user=user, role=options["role"], actor=None)
        self.stdout.write(f"{user.name} is now {Role(options['role']).label}.")
