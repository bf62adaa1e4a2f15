"""A stand-in web browser for the OAuth consent flow, usable as ``BROWSER="python browser.py %s"``.

It GETs the URL the app opens, follows redirects (to the fake's consent endpoint, which consents at
once, then to the app's loopback redirect) and exits — so tests complete the real loopback flow
without a real browser. ``--abandon`` fetches only the first URL and stops there, like a user who
closes the tab without consenting (for the timeout test).
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from urllib.parse import urljoin


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand so that every hop is a plain GET we control."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def main(argv: list[str]) -> int:
    abandon = "--abandon" in argv
    url = argv[-1]
    opener = urllib.request.build_opener(_NoRedirect)
    for _ in range(10):
        try:
            with opener.open(url, timeout=30) as response:
                response.read()
                return 0
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location")
            if exc.code in (301, 302, 303, 307, 308) and location and not abandon:
                url = urljoin(url, location)
                continue
            if abandon and exc.code in (301, 302, 303, 307, 308):
                return 0
            sys.stderr.write(f"browser: {exc.code} from {url.split('?')[0]}\n")
            return 1
        except OSError as exc:
            sys.stderr.write(f"browser: {exc}\n")
            return 1
    sys.stderr.write("browser: too many redirects\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
