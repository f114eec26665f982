"""Fail unless a server could listen on ADDR (`host:port`, `[v6]:port` or `port`), as runserver
would. `make run` asks this first, so a second `make run` on a busy port stops before it changes
anything (the demo accounts' passwords among them).

Usage: python scripts/check_port.py 127.0.0.1:8000
"""

import socket
import sys


def split(address: str) -> tuple[str, int]:
    host, _colon, port = address.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"run: {address!r} is not an address (host:port)")
    return host, int(port)


def main(address: str) -> int:
    host, port = split(address)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        print(f"run: cannot listen on {address}: {error.strerror}", file=sys.stderr)
        return 1
    family, kind, protocol, _name, where = infos[0]
    with socket.socket(family, kind, protocol) as probe:
        # As runserver binds: a port left in TIME_WAIT by the previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as error:
            print(
                f"run: cannot listen on {address}: {error.strerror}. Is `make run` already "
                "running? Stop it, or choose another address: make run RUN_ADDR=127.0.0.1:8001",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
