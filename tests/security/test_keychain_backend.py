"""Insecure keyring backends are refused with one sentence, unless the user opts in.

With no Secret Service and ``keyrings.alt`` installed, ``keyring`` silently picks a plaintext file;
``fail`` refuses everything and ``null`` forgets everything. :class:`SecretStore` refuses them on first
use (so commands without secrets still work), accepts them with ``BIZCAL_ALLOW_INSECURE_KEYRING=1``
(except ``fail``, which cannot store anything), and accepts every other backend — the tests' in-memory
one included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

from bizcal_desktop.secrets import InsecureKeychainError, SecretStore
from tests.support.memory_keyring import MemoryKeyring

OPT_IN = "BIZCAL_ALLOW_INSECURE_KEYRING"


@pytest.fixture
def plaintext(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlaintextKeyring:
    """keyrings.alt's plaintext file backend, writing into a temp folder; no opt-in in the environment."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv(OPT_IN, raising=False)
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)  # the autouse memory_keyring fixture puts the previous one back
    return backend


def test_plaintext_file_keyring_is_refused_with_what_to_install(plaintext: PlaintextKeyring) -> None:
    store = SecretStore("bizcal-test")
    with pytest.raises(InsecureKeychainError) as refused:
        store.set("k1", "password", "hunter2")
    message = str(refused.value)
    assert message.startswith("No secure keychain found")
    assert "PlaintextKeyring" in message and "GNOME Keyring or KWallet" in message and OPT_IN in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    with pytest.raises(InsecureKeychainError):
        store.get("k1", "password")
    assert not Path(plaintext.file_path).exists()  # nothing was written in plain text


def test_the_opt_in_accepts_the_plaintext_keyring(plaintext: PlaintextKeyring,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OPT_IN, "1")
    store = SecretStore("bizcal-test")
    store.set("k1", "password", "hunter2")
    assert store.get("k1", "password") == "hunter2"
    store.delete("k1", "password")
    assert store.get("k1", "password") is None


def test_the_encrypted_file_keyring_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPT_IN, raising=False)
    # built without __init__: it needs pycryptodome to run, and only its kind matters here
    keyring.set_keyring(EncryptedKeyring.__new__(EncryptedKeyring))
    with pytest.raises(InsecureKeychainError, match="No secure keychain found"):
        SecretStore("bizcal-test").get("k1", "password")


def test_the_fail_backend_says_what_to_install_even_with_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore("bizcal-test")
    for opt_in in ("", "1"):
        monkeypatch.setenv(OPT_IN, opt_in)
        for call in (lambda: store.set("k1", "password", "x"), lambda: store.get("k1", "password"),
                     lambda: store.delete("k1", "password")):
            with pytest.raises(InsecureKeychainError, match="^No keychain found: install and unlock GNOME"):
                call()


def test_the_null_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPT_IN, raising=False)
    keyring.set_keyring(null.Keyring())
    with pytest.raises(InsecureKeychainError, match="keyring.backends.null.Keyring"):
        SecretStore("bizcal-test").set("k1", "password", "x")


def test_a_chainer_is_judged_by_the_backend_it_writes_to(plaintext: PlaintextKeyring) -> None:
    class OnlyPlaintext(ChainerBackend):
        backends = (plaintext,)  # type: ignore[assignment]

    class Empty(ChainerBackend):
        backends = ()  # type: ignore[assignment]

    memory = MemoryKeyring()

    class MemoryFirst(ChainerBackend):
        backends = (memory, plaintext)  # type: ignore[assignment]

    store = SecretStore("bizcal-test")
    keyring.set_keyring(OnlyPlaintext())
    with pytest.raises(InsecureKeychainError, match="No secure keychain found"):
        store.set("k1", "password", "x")
    keyring.set_keyring(Empty())
    with pytest.raises(InsecureKeychainError, match="No keychain found"):
        store.set("k1", "password", "x")
    keyring.set_keyring(MemoryFirst())
    store.set("k1", "password", "x")
    assert memory.store == {("bizcal-test", "k1:password"): "x"}


def test_other_backends_are_accepted(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore("bizcal-test")
    store.set("k1", "password", "x")
    assert store.get("k1", "password") == "x"


def _bizcal(tmp_path: Path, *args: str, stdin: str | None = None,
            opt_in: bool = False) -> subprocess.CompletedProcess[str]:
    """``bizcal`` on a machine whose only keyring is keyrings.alt's plaintext file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIZCAL_")}
    env.update(
        BIZCAL_HOME=str(tmp_path / "home"),
        BIZCAL_KEYRING_SERVICE=f"bizcal-test-{tmp_path.name}",
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    if opt_in:
        env[OPT_IN] = "1"
    return subprocess.run([sys.executable, "-m", "bizcal_desktop.cli", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_cli_without_a_keychain_works_until_a_secret_is_needed(tmp_path: Path, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    assert _bizcal(tmp_path, "staff", "add", "Mark", "--timezone", "Europe/Berlin").returncode == 0
    listed = _bizcal(tmp_path, "staff", "list")
    assert listed.returncode == 0 and "Mark" in listed.stdout

    connect = ("connect", "caldav", "--staff", "Mark", "--provider", "generic", "--url", server.url,
               "--username", server.username, "--password-stdin", "--calendar", caldav_calendar.url)
    refused = _bizcal(tmp_path, *connect, stdin=f"{server.password}\n")
    assert refused.returncode == 1
    assert refused.stderr.startswith("bizcal: error: No secure keychain found"), refused.stderr
    assert refused.stderr.count("\n") == 1
    assert not list((tmp_path / "xdg-data").rglob("*.cfg"))  # no plaintext keyring file was written

    accepted = _bizcal(tmp_path, *connect, stdin=f"{server.password}\n", opt_in=True)
    assert accepted.returncode == 0, accepted.stderr
