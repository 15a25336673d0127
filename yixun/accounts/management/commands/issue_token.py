from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yixun.accounts import services
from yixun.accounts.models import User
from yixun.lib import phone as phones


class Command(BaseCommand):
    help = "Issue a personal access token for the API to the user with this mobile number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phone", help="the user's mobile number")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            number = phones.normalize_mobile(options["phone"])
        except phones.InvalidPhone:
            raise CommandError(f"{options['phone']!r} is not a mainland mobile number.") from None
        user = User.objects.filter(phone=number).first()
        if user is None:
            raise CommandError(f"No user has the number {phones.mask(number)}.")
        _token, plain = services.issue_token(user=user, name=options["name"], actor=None)
        self.stdout.write(plain)
