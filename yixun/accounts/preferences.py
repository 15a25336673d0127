"""How a person likes their pages: kept on the account, so it follows them to every device.
A display preference, like the language (`services.set_language`): not an action the audit
trail's readers need, so it writes no entry."""

from yixun.accounts.models import User


def set_large_text(*, user: User, large: bool) -> User:
    if user.large_text != large:
        user.large_text = large
        user.save(update_fields=["large_text"])
    return user
