from yixun.lib.errors import Conflict, DomainError


class EventRefused(DomainError):
    """A change to an event, or a registration, that its rules do not allow."""


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class TicketRefused(Conflict):
    """A ticket that cannot be checked in here: another event's, cancelled, used already."""
