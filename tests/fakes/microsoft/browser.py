"""A stand-in web browser for Microsoft's sign-in, usable as ``BROWSER="python browser.py --cafile F %s"``.

MSAL starts the browser from the thread that then serves the loopback redirect, and Python's
``webbrowser`` waits for a ``BROWSER`` command to exit; so, like a real desktop browser handing the
URL to its running instance, this script re-launches itself in the background and returns at once.
The background copy GETs the authorize URL (the fake consents at once), then submits the
auto-posting form Microsoft answers with for ``response_mode=form_post`` to the app's loopback
``redirect_uri`` (or follows a 302 for ``response_mode=query``). ``--abandon`` only opens the page.
"""

from __future__ import annotations

import html.parser
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class _FormReader(html.parser.HTMLParser):
    """Finds the first form's action and its hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action")
        elif tag == "input" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")


def _run(url: str, cafile: str | None, abandon: bool) -> int:
    context = ssl.create_default_context(cafile=cafile)
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    data: bytes | None = None
    for _ in range(10):
        try:
            with opener.open(url, data=data, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location")
            if exc.code in (301, 302, 303, 307, 308) and location:
                if abandon:
                    return 0
                url, data = urllib.parse.urljoin(url, location), None
                continue
            sys.stderr.write(f"ms-browser: {exc.code} from {url.split('?')[0]}\n")
            return 1
        except OSError as exc:
            sys.stderr.write(f"ms-browser: {exc}\n")
            return 1
        if abandon:
            return 0
        reader = _FormReader()
        reader.feed(body)
        if reader.action is None:
            return 0  # a final page (the app's "you can close this tab")
        url = urllib.parse.urljoin(url, reader.action)
        data = urllib.parse.urlencode(reader.fields).encode()
    sys.stderr.write("ms-browser: too many hops\n")
    return 1


def main(argv: list[str]) -> int:
    cafile = argv[argv.index("--cafile") + 1] if "--cafile" in argv else None
    if "--foreground" not in argv:
        subprocess.Popen([sys.executable, __file__, "--foreground", *argv], start_new_session=True)
        return 0
    return _run(argv[-1], cafile, "--abandon" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
