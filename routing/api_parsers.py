"""The API's JSON parser: DRF's rules, and a refusal of the valid JSON the
database or Python could not hold, which would otherwise end in a 500."""

import json
import math
import re
from typing import IO

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

from routing.intake import texts_in

# Levels of arrays and objects a body may nest: a batch of leads needs three,
# a field the model does not use may add a few. Storing or answering a value
# nested near Python's recursion limit would fail on our side.
MAX_DEPTH = 32
# Only an escape from \ud800 to \udfff can decode to half a surrogate pair,
# which no database stores as text; most bodies hold no such escape.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A whole number with more bits than this is beyond a float's range.
MAX_INT_BITS = 1024
# A number past a float's range (about 1.8e308) has a three-digit exponent
# or 309 digits in a row.
BIG_NUMBER = re.compile(rb"[eE]\+?0*[1-9][0-9]{2}|[0-9]{309}")
CONTAINERS = frozenset({dict, list})
# Characters of a refused number the error repeats.
SHOWN_DIGITS = 20


class UnreadableBody(ParseError):
    """Valid JSON the API cannot take, answered as a parse_error saying why."""


class ApiJsonParser(JSONParser):
    """Parse a JSON body as DRF does, refusing what could not be stored."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: dict | None = None,
    ) -> object:
        raw = stream.read()
        data = decode(raw, get_encoding(parser_context or {}))
        if isinstance(data, (dict, list)):
            check_storable(data, raw)
        if SURROGATE_ESCAPE.search(raw) and holds_lone_surrogate(data):
            raise UnreadableBody(
                "The body holds half of a surrogate pair (an escape from \\ud800 "
                "to \\udfff without its partner), which is no character. Send "
                "each character whole."
            )
        return data


def decode(raw: bytes, encoding: str) -> object:
    """Return the JSON in `raw`; raise ParseError if it is none we take."""
    try:
        # NaN and Infinity are refused, as DRF refuses them.
        return json.loads(raw.decode(encoding), parse_constant=strict_constant)
    except RecursionError:
        # The decoder's own, past Python's recursion limit.
        raise too_deep() from None
    except ValueError as error:
        raise ParseError(f"JSON parse error - {error}") from None


def check_storable(data: object, raw: bytes) -> None:
    """Raise UnreadableBody if `data` nests deeper than MAX_DEPTH or holds a
    number beyond a float's range (1e400, or a 400-digit whole number): the
    model and the database read numbers as floats.

    Walked with a list, not by recursion, so any depth is checked safely.
    Numbers are looked at only when the body's text holds one that long.
    """
    numbers = BIG_NUMBER.search(raw) is not None
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        items = list(value.values()) if isinstance(value, dict) else value
        if depth > MAX_DEPTH:
            raise too_deep()
        # The types of a lead's values, listed at C speed: most are scalars.
        if not CONTAINERS.isdisjoint(map(type, items)):
            nested = (item for item in items if isinstance(item, (dict, list)))
            pending.extend((item, depth + 1) for item in nested)
        if numbers:
            _check_numbers(items)


def _check_numbers(items: list) -> None:
    for item in items:
        if isinstance(item, float) and not math.isfinite(item):
            raise too_large("1e309+")
        if isinstance(item, int) and item.bit_length() > MAX_INT_BITS:
            raise too_large(str(item))


def holds_lone_surrogate(data: object) -> bool:
    """Return whether any text in `data`, keys included, holds half a pair."""
    return any(LONE_SURROGATE.search(text) for text in texts_in(data))


def too_deep() -> UnreadableBody:
    return UnreadableBody(
        f"The body nests arrays or objects more than {MAX_DEPTH} levels deep. "
        "Send a lead's fields as plain values."
    )


def too_large(text: str) -> UnreadableBody:
    shown = text if len(text) <= SHOWN_DIGITS else text[:SHOWN_DIGITS] + "…"
    return UnreadableBody(
        f"The body holds a number too large to store ({shown}). Send an ID "
        "that long as text."
    )
