from collections.abc import Callable, Iterator

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from yixun.lib import crypto

NUMBER = "420923199001011234"


@pytest.fixture
def field_keys() -> Iterator[Callable[[list[str]], None]]:
    """Change YIXUN_FIELD_KEYS for the test; the original keys come back afterwards."""
    original = settings.YIXUN_FIELD_KEYS

    def use(keys: list[str]) -> None:
        settings.YIXUN_FIELD_KEYS = keys
        crypto._keys.cache_clear()

    yield use
    settings.YIXUN_FIELD_KEYS = original
    crypto._keys.cache_clear()


@given(st.text(max_size=200))
def test_what_is_encrypted_decrypts_to_itself(value: str) -> None:
    assert crypto.decrypt(crypto.encrypt(value)) == value


def test_the_ciphertext_hides_the_value_and_differs_each_time() -> None:
    first, second = crypto.encrypt(NUMBER), crypto.encrypt(NUMBER)
    assert first != second
    assert NUMBER not in first and NUMBER not in second
    assert crypto.decrypt(first) == crypto.decrypt(second) == NUMBER


def test_the_blind_index_is_stable_and_tells_values_apart() -> None:
    assert crypto.blind_index(NUMBER) == crypto.blind_index(NUMBER)
    assert crypto.blind_index(NUMBER) != crypto.blind_index("420923199001011242")
    assert NUMBER not in crypto.blind_index(NUMBER)


@given(st.text(max_size=50), st.text(max_size=50))
def test_different_values_have_different_blind_indexes(a: str, b: str) -> None:
    assert (crypto.blind_index(a) == crypto.blind_index(b)) == (a == b)


def test_after_rotation_old_values_still_decrypt_and_new_ones_use_the_new_key(
    field_keys: Callable[[list[str]], None],
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    field_keys([old_key])
    stored = crypto.encrypt(NUMBER)

    field_keys([new_key, old_key])
    assert crypto.decrypt(stored) == NUMBER
    fresh = crypto.encrypt(NUMBER)

    field_keys([new_key])
    assert crypto.decrypt(fresh) == NUMBER
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(stored)


def test_after_rotation_the_blind_index_still_finds_values_stored_under_the_old_key(
    field_keys: Callable[[list[str]], None],
) -> None:
    # Digests are stored (id_number_digest) to find duplicates; rotating the encryption key
    # must not silently make every stored digest unfindable.
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    field_keys([old_key])
    stored_digest = crypto.blind_index(NUMBER)

    field_keys([new_key, old_key])
    assert crypto.blind_index(NUMBER) == stored_digest


def test_a_value_encrypted_under_an_unknown_key_is_a_configuration_error(
    field_keys: Callable[[list[str]], None],
) -> None:
    field_keys([Fernet.generate_key().decode()])
    stored = crypto.encrypt(NUMBER)
    field_keys([Fernet.generate_key().decode()])
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(stored)


@pytest.mark.parametrize("keys", [[], ["", "  "], ["not-a-fernet-key"]])
def test_missing_or_malformed_keys_are_a_configuration_error(
    field_keys: Callable[[list[str]], None], keys: list[str]
) -> None:
    field_keys(keys)
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(NUMBER)
