; Inno Setup 6 script for BizCal Desktop on Windows. UNTESTED: written against Inno Setup's
; documentation; nothing here can run on the Linux CI machine. Build it with
; packaging\build-windows.ps1, which runs PyInstaller first and passes the version:
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\bizcal-desktop.iss
; It installs for the current user by default (no administrator rights; the dialog offers all users),
; adds a Start-menu entry, and removes on uninstall what the app itself wrote outside its folder
; except the data folder and the keychain entries (see README.md, "Install").

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z bizcal-desktop.iss
#endif

[Setup]
AppId={{9F7CADB7-2153-5535-A62F-BB0E80477ECC}
AppName=BizCal Desktop
AppVersion={#AppVersion}
AppVerName=BizCal Desktop {#AppVersion}
AppPublisher=BizCal
DefaultDirName={autopf}\BizCal Desktop
DefaultGroupName=BizCal Desktop
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=BizCal-Desktop-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\bizcal-desktop.ico
UninstallDisplayIcon={app}\bizcal-desktop.exe
UninstallDisplayName=BizCal Desktop
VersionInfoVersion={#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; A running tray app holds its files open: ask Windows' Restart Manager to close it first.
CloseApplications=yes
RestartApplications=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The PyInstaller folder: bizcal-desktop.exe (the tray app), bizcal.exe (the command line), _internal\.
Source: "..\..\dist\bizcal-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\BizCal Desktop"; Filename: "{app}\bizcal-desktop.exe"
Name: "{autodesktop}\BizCal Desktop"; Filename: "{app}\bizcal-desktop.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\bizcal-desktop.exe"; Description: "{cm:LaunchProgram,BizCal Desktop}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; Stop the tray app before its files go; nothing is lost (queued changes wait in the database).
Filename: "{sys}\taskkill.exe"; Parameters: "/F /IM bizcal-desktop.exe"; Flags: runhidden; RunOnceId: "StopBizCal"

[Code]
// "Start at login" is the app's own switch (Settings): a value named "BizCal Desktop" under the
// user's Run key (bizcal_desktop/ui/autostart.py). The uninstaller removes it, so Windows does not
// try to start a program that is gone.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RegDeleteValue(HKEY_CURRENT_USER, 'Software\Microsoft\Windows\CurrentVersion\Run', 'BizCal Desktop');
end;
