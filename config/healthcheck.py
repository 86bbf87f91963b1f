"""The container's HEALTHCHECK: ask this instance's /healthz, exit 0 when it answers 200.

    python -m config.healthcheck [URL]

Run inside the container, so the request goes to 127.0.0.1 over plain HTTP; it sends the
first of ALLOWED_HOSTS as its Host header, because Django refuses any other host.
Standard library only: the slim image has no curl.
"""

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def host_header():
    """A concrete name from ALLOWED_HOSTS ('.example.org' allows example.org itself)."""
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return None


def main(argv):
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    request = urllib.request.Request(url)
    host = host_header()
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        sys.stderr.write(f"{url}: {error}\n")
        return 1
    if status != 200:
        sys.stderr.write(f"{url}: HTTP {status}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
