"""The desktop UI (Qt only): tray, windows, dialogs, notifications and the models behind views.

Nothing here talks HTTP or SQL: every window calls the services, off the Qt thread.
"""
