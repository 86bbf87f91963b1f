"""The client's address as django-axes should count it, also behind reverse proxies.

Behind a proxy every request comes from the proxy's address, so per-address lockouts would
lock a username out for everyone. Each trusted proxy appends the address it saw to
X-Forwarded-For; the client is therefore the TRUSTED_PROXY_COUNT-th entry from the right.
Entries further left are whatever the client sent and are never believed.
"""

from django.conf import settings


def client_ip(request):
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if len(addresses) >= count:
            return addresses[-count]
    return request.META.get("REMOTE_ADDR")
