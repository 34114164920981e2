"""The machine's LAN address, for `stratus up --lan` (a phone on the same network).

The primary non-loopback IPv4 is the source address the kernel would choose for a route
to a public address: `connect()` on a UDP socket picks it without sending a packet (UDP
connect only sets the default peer). No library is needed for that one call; `psutil`'s
interface list cannot tell which interface is the primary one.
"""

from __future__ import annotations

import ipaddress
import socket

# Any routable public address works: nothing is sent to it.
_PUBLIC_PEER = ("8.8.8.8", 53)


class LanAddressError(ValueError):
    """No usable LAN address (none found, or the one given is not this machine's)."""


def detect_lan_address(peer: tuple[str, int] = _PUBLIC_PEER) -> str:
    """The primary non-loopback IPv4 address of this machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(peer)
            address = str(sock.getsockname()[0])
        except OSError as exc:
            raise LanAddressError(
                f"no network route to find this machine's LAN address ({exc}); "
                "name it with --lan-ip ADDRESS"
            ) from None
    if ipaddress.ip_address(address).is_loopback or address == "0.0.0.0":
        raise LanAddressError("this machine has no non-loopback IPv4 address; use --lan-ip")
    return address


def check_lan_address(address: str) -> str:
    """`address` normalised, if it is an IPv4 address this machine can listen on."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        raise LanAddressError(f"{address!r} is not an IP address") from None
    if ip.version != 4 or ip.is_unspecified or ip.is_multicast:
        raise LanAddressError(f"{address}: give this machine's IPv4 address on the LAN")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((str(ip), 0))
        except OSError:
            raise LanAddressError(f"{ip} is not an address of this machine") from None
    return str(ip)
