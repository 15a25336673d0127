from yixun.lib.errors import DomainError


class MembershipError(DomainError):
    """A membership rule refused the change; the message says which and what to do."""


class MembershipConflict(MembershipError):
    """The change clashes with what is there: a name or number taken, a decision already made."""

    status = 409


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403
