"""The events the request parser produces, besides ``w3py.protocol.messages.Request`` (the head).

A connection sees, per request: one ``Request``, zero or more ``Data``, one ``EndOfMessage`` (h11's vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Data:
    """A piece of the request body, already de-chunked."""

    data: bytes


class _EndOfMessage:
    """The request body (possibly empty) is complete. A singleton: compare with ``is``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "END_OF_MESSAGE"


END_OF_MESSAGE = _EndOfMessage()
