"""What the PyInstaller recipe keeps, drops and adds (``packaging/recipe.py``), checked without a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from bizcal_desktop import __version__
from tests.packaging.conftest import ROOT, load_script

recipe = load_script("recipe")


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/imageformats/qico.dll",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/QtNetwork.abi3.so",
        "libssl.so.3",
        "bizcal_desktop/store/migrations/versions/0001_initial_schema.py",
    ],
)
def test_what_the_app_needs_is_kept(dest: str) -> None:
    assert recipe.keep_in_bundle(dest)


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
        "PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/imageformats/qtiff.dll",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/qml/QtQuick/Controls/qmldir",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6\\Qt6Qml.dll",
    ],
)
def test_what_the_app_never_uses_is_dropped(dest: str) -> None:
    assert not recipe.keep_in_bundle(dest)


def test_libraries_only_a_dropped_plugin_needed_go_too() -> None:
    binaries = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("libgtk-3.so.0", "/usr/lib/libgtk-3.so.0", "BINARY"),
        ("libgdk-3.so.0", "/usr/lib/libgdk-3.so.0", "BINARY"),
        ("libX11.so.6", "/usr/lib/libX11.so.6", "BINARY"),
        ("libffi.so.8", "/usr/lib/libffi.so.8", "BINARY"),  # collected for ctypes: nobody links it
    ]
    links = {
        "/src/libqgtk3.so": ["libgtk-3.so.0", "libX11.so.6"],
        "/usr/lib/libgtk-3.so.0": ["libgdk-3.so.0", "libX11.so.6"],
        "/usr/lib/libgdk-3.so.0": ["libgtk-3.so.0"],  # a cycle must not keep them alive
        "/src/libqxcb.so": ["libX11.so.6"],
    }
    kept = [dest for dest, _src, _kind in recipe.lean_binaries(binaries, lambda src: links.get(src, []))]
    assert kept == ["PySide6/Qt/plugins/platforms/libqxcb.so", "libX11.so.6", "libffi.so.8"]


def test_the_package_data_holds_icons_and_migrations_but_no_bytecode() -> None:
    datas = recipe.package_datas()
    dests = {Path(src).name: dest for src, dest in datas}
    assert dests["app.svg"] == "bizcal_desktop/resources/icons"
    assert dests["env.py"] == "bizcal_desktop/store/migrations"
    assert dests["0001_initial_schema.py"] == "bizcal_desktop/store/migrations/versions"
    assert not any("__pycache__" in src or src.endswith(".pyc") for src, _dest in datas)


def test_the_packagers_oauth_clients_go_into_the_bundle(tmp_path: Path) -> None:
    client = tmp_path / "client_secret_desktop.json"
    client.write_text('{"installed": {"client_id": "x.apps.googleusercontent.com"}}')
    env = {"BIZCAL_GOOGLE_CLIENT_FILE": str(client), "BIZCAL_MS_CLIENT_ID": " 1234-abcd \n"}
    datas = recipe.oauth_datas(tmp_path / "work", env)
    assert sorted(dest for _src, dest in datas) == ["oauth", "oauth"]
    work = tmp_path / "work" / "oauth"
    assert (work / "google-client.json").read_text() == client.read_text()
    assert (work / "microsoft-client-id.txt").read_text() == "1234-abcd\n"
    # A later build without them carries none (the work folder is cleared).
    assert recipe.oauth_datas(tmp_path / "work", {}) == []
    assert not work.exists()


def test_a_missing_client_file_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="names no file"):
        recipe.oauth_datas(tmp_path, {"BIZCAL_GOOGLE_CLIENT_FILE": str(tmp_path / "nope.json")})


def test_the_licence_file_lists_every_part_with_its_text() -> None:
    text = recipe.third_party_licences_text()
    assert text.startswith(f"BizCal Desktop {__version__}: third-party components")
    assert "Qt 6: LGPL-3.0-only" in text
    assert "SQLAlchemy" in text and "GNU LESSER GENERAL PUBLIC LICENSE" in text
    assert "GNU GENERAL PUBLIC LICENSE" in text  # the LGPL builds on the GPL's text
    assert "Permission is hereby granted" in text  # an MIT licence's own words, from its package


def test_the_bundle_carries_the_metadata_keyring_and_the_about_box_read() -> None:
    names = {name.lower().replace("_", "-") for name in recipe.metadata_names()}
    assert {"bizcal-desktop", "keyring", "pyside6-essentials", "sqlalchemy", "tzdata"} <= names
    assert "pytest" not in names


def test_the_recipe_reads_the_packages_version() -> None:
    assert recipe.version() == __version__
    assert recipe.ROOT == ROOT
