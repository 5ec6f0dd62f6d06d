"""Settings of the Socle served to the browser tests: the real ones, with a fast password hasher.

PBKDF2's cost is the point in production but only slows the tests down (about a second per account created
and per login on a busy machine); the login form and its checks are the same.
"""

from socle.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
