"""A read-only data folder and a full disk: one sentence each, reads keep working, no customer data.

Real file systems, not simulated errors: each case runs the `bizcal` CLI inside a private mount
namespace (``unshare -m``) on a small tmpfs that is then remounted read-only or filled up. That needs
root (CI and the developers' containers run as root); elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BIZCAL = Path(sys.executable).with_name("bizcal")

SCRIPT = textwrap.dedent(
    """
    set -u
    D=$1; B=$2
    mount -t tmpfs -o size=400k tmpfs "$D" || exit 77
    export BIZCAL_HOME=$D
    "$B" staff add Mark --timezone Europe/Berlin >/dev/null
    "$B" service add Massage --duration 60 >/dev/null
    "$B" booking add --staff Mark --service Massage --customer "Emma Private" --start 2026-12-24T10:00 \\
        --no-sync >/dev/null
    mount -o remount,ro "$D"
    echo "@@list"; "$B" booking list 2>&1; echo "@@rc=$?"
    echo "@@add-ro"; "$B" booking add --staff Mark --service Massage --customer "Zed Hidden" \\
        --start 2026-12-24T12:00 --no-sync 2>&1; echo "@@rc=$?"
    mount -o remount,rw "$D"
    dd if=/dev/zero of="$D/filler" bs=4k >/dev/null 2>&1
    echo "@@add-full"; "$B" booking add --staff Mark --service Massage --customer "Zed Hidden" \\
        --start 2026-12-24T14:00 --no-sync 2>&1; echo "@@rc=$?"
    """
)


def _run(tmp_path: Path) -> dict[str, str]:
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux's unshare")
    data = tmp_path / "data"
    data.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "bash", "-c", SCRIPT, "probe", str(data), str(BIZCAL)],
        capture_output=True, text=True, timeout=120,
    )
    if done.returncode == 77 or "Operation not permitted" in done.stderr:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()[:200]}")
    parts: dict[str, str] = {}
    for chunk in done.stdout.split("@@")[1:]:
        name, _, body = chunk.partition("\n")
        if name.startswith("rc="):
            parts[f"{last}.rc"] = name[3:]
        else:
            last = name
            parts[name] = body
    return parts


def test_read_only_folder_and_full_disk(tmp_path: Path) -> None:
    out = _run(tmp_path)

    assert out["list.rc"] == "0", out["list"]
    assert "Emma Private" in out["list"]  # reads keep working in a read-only folder

    assert out["add-ro.rc"] == "1"
    assert "read-only" in out["add-ro"] and "nothing was changed" in out["add-ro"]

    assert out["add-full.rc"] == "1"
    assert "is full" in out["add-full"] and "Free some space" in out["add-full"]

    for case in ("add-ro", "add-full"):
        text = out[case]
        assert "Traceback" not in text and "INSERT" not in text and "sqlalche.me" not in text, text
        assert "Zed Hidden" not in text, "the customer's name must not be in the message"
        assert len([line for line in text.splitlines() if line.startswith("bizcal: error:")]) == 1
