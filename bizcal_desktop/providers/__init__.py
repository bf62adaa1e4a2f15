"""Calendar providers: one package per kind of server behind the contract in :mod:`.base`.

Providers speak HTTP (CalDAV, Google Calendar, Microsoft Graph) and translate every failure into the
error types of :mod:`bizcal_desktop.errors`; they never read the database or the keychain, so the
sync engine decides what a failure means and the composition root hands them their secrets.
"""
