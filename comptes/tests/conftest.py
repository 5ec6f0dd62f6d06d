import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Demo and factory passwords are hashed with a fast hasher in tests: PBKDF2 costs a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
