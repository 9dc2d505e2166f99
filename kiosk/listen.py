"""Listening on the office network: refuse, in words, an address the host cannot use."""

from __future__ import annotations

from kiosk.errors import ConfigError


def check_address(host: str, port: int) -> None:
    """Refuse at once, in words, an address this host cannot listen on (a port in use, a
    host address that is not this machine's), before the server says it is serving."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        import errno

        known = {errno.EADDRINUSE: "error.port_in_use", errno.EADDRNOTAVAIL: "error.address_not_here",
                 errno.EACCES: "error.port_forbidden"}
        if exc.errno in known:
            raise ConfigError(known[exc.errno], host=host, port=port) from exc
        raise ConfigError("error.serve_address", host=host, port=port,
                          detail=exc.strerror or str(exc)) from exc
