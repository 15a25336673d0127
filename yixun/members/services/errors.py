from yixun.lib.errors import Conflict, DomainError


class MembershipError(DomainError):
    """A membership rule refused the change; the message says which and what to do."""


class MembershipConflict(MembershipError, Conflict):
    """The change clashes with what is there: a name or number taken, a decision already made."""


class TooMany(MembershipError):
    """Past a rate limit (applications from one address): the same request may pass later."""

    code = "throttled"
    status = 429


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403
