from yixun.lib.errors import Conflict, DomainError


class DutyRefused(DomainError):
    """A duty rule said no: too far away, another site's code, too early; the message says which."""

    status = 409


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


__all__ = ["Conflict", "DutyRefused", "NotAllowed"]
