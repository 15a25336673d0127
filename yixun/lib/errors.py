from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal a person can act on: a stable machine `code` and a translated `message`.

    Services raise subclasses; pages show the message, the API answers
    {"code": ..., "message": ...} with `status`.
    """

    code = "refused"
    status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code is not None:
            self.code = code


class Conflict(DomainError):
    """The change clashes with what is there already: a name or number taken, a decision made."""

    code = "conflict"
    status = 409
