import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for browser notifications, as the two environment lines "
        "to set (docs/configuration.md). A new pair makes every browser subscribe again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        # The raw forms Web Push libraries and browsers use: the 32-byte private number, and
        # the public key as an uncompressed point (the browsers' applicationServerKey).
        private = key.private_numbers().private_value.to_bytes(32, "big")
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"YIXUN_VAPID_PRIVATE_KEY={_base64url(private)}")
        self.stdout.write(f"YIXUN_VAPID_PUBLIC_KEY={_base64url(public)}")
        self.stderr.write(
            "Keep the private key as secret as SECRET_KEY. Set YIXUN_VAPID_SUBJECT too "
            "(mailto:someone@example.org or https://your-site): push services write there "
            "if they must."
        )
