from yixun.lib.errors import Conflict, DomainError


class TipRefused(DomainError):
    status = 400


class TooMany(DomainError):
    code = "too_many"
    status = 429


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


__all__ = ["Conflict", "NotAllowed", "TipRefused", "TooMany"]
