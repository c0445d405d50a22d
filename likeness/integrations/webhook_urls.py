"""Where a webhook may go, and the one HTTP POST that takes it there.

A webhook URL is chosen by the image bank, so it could point the worker at our own
network (SSRF). It must be http(s) on one of the integration's allow-listed hosts, and
every address it names or resolves to must be public, unless the operator listed that
exact host in `WEBHOOK_PRIVATE_HOSTS` (a receiver on the same machine or network). The
POST connects to the address that was checked (no second lookup an attacker's DNS could
answer differently), never follows a redirect, and has connect and read timeouts.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from likeness.errors import InvalidInput
from likeness.integrations.fetch import host_of

# Enough of an answer to read its status; the body is not kept.
MAX_ANSWER_BYTES = 64 * 1024
DNS_TIMEOUT_SECONDS = 5


class RefusedAddress(Exception):
    """The host is, or resolves to, an address webhooks may not reach."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None: no HTTP answer came
    error: str | None  # a code: timeout, redirect, refused_address, dns, network, tls, http_<n>
    duration_ms: int


def check_url(url: str, allowed_hosts: Iterable[str], private_hosts: Iterable[str]) -> None:
    """Refuse a URL that is not http(s) on an allowed host, or that reaches a private,
    loopback or link-local address (or is an IPv6 literal) without being allow-listed."""
    try:
        parts = urlsplit(url)
        host = host_of(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        raise InvalidInput(_("This is not a URL we can deliver to."), field="url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("Webhooks go to http or https URLs only."), field="url")
    if parts.username or parts.password:
        raise InvalidInput(_("A URL with a user name or password is not used."), field="url")
    if host not in set(allowed_hosts):
        raise InvalidInput(_("%(host)s is not an allowed host of this integration.",
                             host=host[:100]), field="url")
    try:
        addresses(parts.hostname, parts.port or _default_port(parts.scheme), private_hosts)
    except RefusedAddress as exc:
        raise InvalidInput(_("%(host)s is an internal address; webhooks may reach it only "
                             "when the operator allow-lists that host.", host=host[:100]),
                           field="url") from exc
    except OSError as exc:
        raise InvalidInput(_("%(host)s could not be found.", host=host[:100]),
                           field="url") from exc


def addresses(hostname: str, port: int, private_hosts: Iterable[str]) -> list[str]:
    """The addresses to connect to; RefusedAddress when any of them may not be reached."""
    hostname = hostname.lower()
    allowed_private = hostname in {h.lower() for h in private_hosts}
    literal = _literal(hostname)
    if literal is not None:
        # An IPv6 literal is refused outright (mapped and embedded IPv4 forms make its
        # checks easy to get wrong); an IPv4 literal like any other address.
        if not allowed_private and (literal.version == 6 or not literal.is_global):
            raise RefusedAddress(hostname)
        return [str(literal)]
    found = [str(info[4][0]) for info in _resolve(hostname, port)]
    if not found:
        raise OSError("no address")
    if not allowed_private and any(not _public(address) for address in found):
        raise RefusedAddress(hostname)
    return list(dict.fromkeys(found))


def post(url: str, body: bytes, headers: dict[str, str], *, private_hosts: Iterable[str],
         connect_timeout: float, read_timeout: float) -> Answer:
    """POST `body` to `url` once; the answer's status, or why there was none."""
    started = time.monotonic()

    def answer(status: int | None, error: str | None) -> Answer:
        return Answer(status, error, int((time.monotonic() - started) * 1000))

    parts = urlsplit(url)
    hostname = parts.hostname or ""
    port = parts.port or _default_port(parts.scheme)
    try:
        address = addresses(hostname, port, private_hosts)[0]
    except RefusedAddress:
        return answer(None, "refused_address")
    except OSError:
        return answer(None, "dns")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(hostname, port)
    try:
        sock = socket.create_connection((address, port), timeout=connect_timeout)
        sock.settimeout(read_timeout)
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=hostname)
        connection.sock = sock  # HTTPConnection then sends on it (no lookup of its own)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
        status = response.status
    except TimeoutError:
        return answer(None, "timeout")
    except ssl.SSLError:
        return answer(None, "tls")
    except (OSError, http.client.HTTPException):
        return answer(None, "network")
    finally:
        connection.close()
    if 200 <= status < 300:
        return answer(status, None)
    if 300 <= status < 400:
        return answer(status, "redirect")  # never followed: it could lead anywhere
    return answer(status, f"http_{status}")


def _resolve(hostname: str, port: int) -> list[Any]:
    """getaddrinfo, but never longer than DNS_TIMEOUT_SECONDS (it has no timeout of its own,
    and a page or a worker must not hang on a slow resolver): TimeoutError, an OSError."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(socket.getaddrinfo, hostname, port, type=socket.SOCK_STREAM,
                           proto=socket.IPPROTO_TCP).result(timeout=DNS_TIMEOUT_SECONDS)
    except FutureTimeout as exc:
        raise TimeoutError("DNS lookup timed out") from exc
    finally:
        pool.shutdown(wait=False)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _literal(hostname: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(hostname.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
