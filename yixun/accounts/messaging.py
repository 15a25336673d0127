"""How Yixun reaches a person: a pluggable sender, chosen by YIXUN_MESSAGE_SENDER.

The console sender (the default) writes messages to the log, which is where a
laptop's operator reads a password-reset link. SMS and e-mail senders are
adapters with the same one-method shape. Each send is in the delivery log
(yixun.worker.models.Delivery) under the message's key.
"""

import logging
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from yixun.lib import phone as phones

log = logging.getLogger("yixun.messages")


@dataclass(frozen=True)
class Message:
    to: str  # E.164 mobile number
    subject: str
    body: str
    # The delivery key: the same for every try of one message. A sender passes it to its
    # gateway where the gateway can drop duplicates (an SMS provider's client reference).
    key: str = ""
    # Mainland SMS gateways send only pre-approved templates under a registered signature: the
    # template's name and its parameters, for a gateway adapter; `body` is the same text filled
    # in, for the console and for gateways that take text.
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleSender:
    def send(self, message: Message) -> None:
        log.info("To %s: %s\n%s", phones.mask(message.to), message.subject, message.body)


class MemorySender:
    """Keeps messages in a list, like Django's locmem e-mail backend; for tests."""

    outbox: ClassVar[list[Message]] = []

    def send(self, message: Message) -> None:
        self.outbox.append(message)


def get_sender() -> Sender:
    sender: Sender = import_string(settings.YIXUN_MESSAGE_SENDER)()
    return sender
