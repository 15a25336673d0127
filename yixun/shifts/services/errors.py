from yixun.lib.errors import DomainError


class ClaimRefused(DomainError):
    """A claiming rule said no; the message says which rule and what the member can do."""

    status = 409


class ShiftError(DomainError):
    pass


class ShiftConflict(ShiftError):
    """The shift as it is now refuses it (started, over, answered): the same request may have
    passed before, so it is no bad input."""

    status = 409


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403
