"""Argument types for the command lines: a number is checked for sign and unit when argparse reads it.

``p.add_argument("--workers", type=count(1))`` turns ``--workers 0`` into the one-line usage error
``argument --workers: 0 is not a whole number >= 1``, before anything is loaded; ``type=duration`` reads
``--time 2 h`` as 7200.0 s and refuses ``-5`` or ``2 parsecs`` the same way; ``type=positive`` refuses
``--fps 0`` or ``--duration -5``, ``type=endpoint`` ``--endpoint opc.tcp://plc:99999`` (in a second, not after the
OPC UA stack has loaded).
"""
from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def count(minimum: int = 1) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum`` (processes, replications, paths)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is not a whole number >= {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"  # argparse names the type in its messages
    return parse


def duration(text: str) -> float:
    """An argparse type: a time that is not negative, ``'90 min'``, ``'2 h'`` or seconds; returns seconds."""
    from twin.config import to_si  # pint loads only when the option is given

    try:
        seconds = to_si(text, "s")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}': {exc} (give a time such as '2 h', '90 min' or seconds)") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a time >= 0 (give a time such as '2 h' or seconds)")
    return seconds


def positive(text: str) -> float:
    """An argparse type: a finite number > 0 (a rate, a period, a duration in seconds, frames per second)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number > 0")
    return value


positive.__name__ = "number > 0"


def endpoint(text: str) -> str:
    """An argparse type: an OPC UA endpoint ``opc.tcp://host[:port]`` with a port in 0-65535, checked before
    anything is imported or contacted; returns it unchanged."""
    from urllib.parse import urlsplit

    fix = "expected opc.tcp://host:port"
    try:
        parts = urlsplit(text)
        host = parts.hostname if parts.port is None or parts.port >= 0 else None   # .port: ValueError if bad
    except ValueError as exc:          # a port out of range or not a number
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}; {fix}") from None
    if parts.scheme != "opc.tcp":
        raise argparse.ArgumentTypeError(f"{text!r} is not an OPC UA endpoint; {fix} (HTTPS and WebSocket "
                                         "transports are not supported)")
    if not host:
        raise argparse.ArgumentTypeError(f"{text!r} names no host; {fix}")
    return text


endpoint.__name__ = "OPC UA endpoint"


def new_file(text: str) -> str:
    """An argparse type: a file a command will write (a log, a recording written on exit): its folder must exist
    and it must not be a folder, checked before hours of recording rather than when they are written."""
    from pathlib import Path

    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is a folder; give a file name in it")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}': no folder '{path.parent}' to write it in; create it first")
    return text


new_file.__name__ = "file to write"
