from yixun.lib.errors import DomainError


class ClaimRefused(DomainError):
    """A claiming rule said no; the message says which rule and what the member can do."""

    status = 409


class ShiftError(DomainError):
    pass


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403
