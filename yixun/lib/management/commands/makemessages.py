"""Django's makemessages, also reading `_lazy(...)`: Yixun writes `gettext_lazy as _lazy` beside
`gettext as _`, and xgettext, not told of it, left those strings out of the catalogue (they
showed in English to everyone)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
