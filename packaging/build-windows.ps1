# Builds the Windows installer: dist\bizcal-desktop\ (PyInstaller) and
# dist\BizCal-Desktop-VERSION-windows-x64-setup.exe (Inno Setup 6).
# UNTESTED: the CI machine runs Linux; this follows PyInstaller's and Inno Setup's documentation.
# Needs: Python 3.11+ (py launcher) and Inno Setup 6 (ISCC.exe on PATH or in its default folder).
# A packager who ships Google and Microsoft sign-in sets BIZCAL_GOOGLE_CLIENT_FILE and
# BIZCAL_MS_CLIENT_ID first (packaging\README.md).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

$venv = "build\venv-packaging"
if (-not (Test-Path "$venv\Scripts\python.exe")) { py -3 -m venv $venv }
& "$venv\Scripts\python.exe" -m pip install --quiet --upgrade pip
& "$venv\Scripts\python.exe" -m pip install --quiet -e ".[packaging]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

$version = & "$venv\Scripts\python.exe" -c "import bizcal_desktop; print(bizcal_desktop.__version__)"
& "$venv\Scripts\pyinstaller.exe" --noconfirm --clean --log-level WARN `
  --distpath dist --workpath build\pyinstaller packaging\bizcal.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
Copy-Item "dist\bizcal-desktop\_internal\THIRD-PARTY-LICENSES.txt" "dist\bizcal-desktop\"

$iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\windows\bizcal-desktop.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "Built dist\BizCal-Desktop-$version-windows-x64-setup.exe"
