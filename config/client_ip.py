"""The client's address as django-axes should count it, also behind reverse proxies.

Behind a proxy every request comes from the proxy's address, so per-address lockouts would
lock a username out for everyone. Each trusted proxy appends the address it saw to
X-Forwarded-For; the client is therefore the TRUSTED_PROXY_COUNT-th entry from the right.
Entries further left are whatever the client sent and are never believed.

The header is believed only on connections that come from a proxy named in TRUSTED_PROXIES:
with a count set but no proxy in front (the count copied from an example, the proxy removed,
gunicorn's port reachable directly), anyone could otherwise pick a new address for every
login attempt and never be locked out. Production refuses a count without proxies and
proxies without a count (``check_proxy_settings``).
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _networks(proxies):
    try:
        return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {error} (addresses or networks, comma-separated)"
        ) from None


def _from_trusted_proxy(address):
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request):
    count = settings.TRUSTED_PROXY_COUNT
    peer = request.META.get("REMOTE_ADDR")
    if count and _from_trusted_proxy(peer or ""):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if len(addresses) >= count:
            return addresses[-count]
    return peer


def check_proxy_settings(count, proxies):
    """Refuse a combination that trusts a header no configured proxy writes, or names
    proxies whose header is then ignored."""
    if count < 0:
        raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
    if count and not proxies:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_COUNT={count} needs TRUSTED_PROXIES: the addresses of the reverse "
            "proxies in front of gunicorn (see docs/configuration.md); without a proxy, set "
            "TRUSTED_PROXY_COUNT=0"
        )
    if proxies and not count:
        raise ImproperlyConfigured(
            "TRUSTED_PROXIES is set but TRUSTED_PROXY_COUNT is 0: set the number of proxies "
            "that append to X-Forwarded-For (see docs/configuration.md)"
        )
    _networks(tuple(proxies))
