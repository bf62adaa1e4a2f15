"""A keyring backend filled from the environment, for a benchmark that starts the tray in its own process.

Why: the tray's memory is measured in a separate process, which cannot see the benchmark's in-memory
keychain. Named in ``PYTHON_KEYRING_BACKEND``, this backend is created by ``keyring`` itself the first
time the app asks for a secret, exactly when the real keychain would be: the measured process imports
``keyring`` no earlier than the app does. Used only where no Secret Service answers.
"""

from __future__ import annotations

import json
import os

from tests.support.memory_keyring import MemoryKeyring

#: JSON list of ``[service, name, secret]``.
SECRETS_ENV = "BIZCAL_BENCH_MEMORY_SECRETS"


class PrefilledKeyring(MemoryKeyring):
    def __init__(self) -> None:
        super().__init__()
        for service, name, secret in json.loads(os.environ.get(SECRETS_ENV, "[]")):
            self.store[(service, name)] = secret
