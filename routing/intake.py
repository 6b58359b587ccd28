"""Check leads sent by other systems against the fields the model knows."""

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from datasets.profiling import YES_NO_PAIRS, YES_VALUES, format_value
from datasets.reading import convert_column, is_placeholder
from modeling.features import DATE_KINDS, NUMERIC_KINDS

MAX_BATCH = 1000
# Characters of a wrong value an error message repeats; a long one is cut.
SHOWN_LENGTH = 60
# Keys that describe the lead's record rather than the lead itself.
EXTERNAL_ID = "external_id"
OWNER = "owner"
RESERVED = (EXTERNAL_ID, OWNER)
# PostgreSQL text cannot hold it, so no stored lead ever has it.
NUL = "\x00"
# Line breaks (Unicode's line and paragraph separators too), tabs and the
# like: in an ID they are a slip of the sending system, and the lead's URL
# could carry them only percent-encoded.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The spellings an uploaded file's yes/no column is recognised by.
YES_NO_WORDS = frozenset().union(*YES_NO_PAIRS)


class LeadInputError(ValueError):
    """A lead the API cannot score; the message names the field."""

    def __init__(self, message: str, *, code: str, field: str = "", index=None):
        super().__init__(message)
        self.code, self.field, self.index = code, field, index


@dataclass
class IncomingLead:
    """One checked lead: its fields, and the ones the model does not use."""

    fields: dict
    external_id: str = ""
    owner: str = ""
    ignored: list[str] = field(default_factory=list)


def leads_in_body(body: object) -> tuple[list[dict], bool]:
    """Return the lead objects of a request body and whether it was a batch.

    A body is one lead object or `{"leads": [...]}` of at most MAX_BATCH.
    """
    if not isinstance(body, dict):
        raise LeadInputError(
            'Send one lead as a JSON object, or several as {"leads": [...]}.',
            code="invalid_body",
        )
    if "leads" not in body:
        return [body], False
    leads = body["leads"]
    if not isinstance(leads, list) or not leads:
        raise LeadInputError(
            '"leads" must be a non-empty list of lead objects.',
            code="invalid_body",
            field="leads",
        )
    if len(leads) > MAX_BATCH:
        raise LeadInputError(
            f"A request may hold at most {MAX_BATCH:,} leads; this one has "
            f"{len(leads):,}. Split it.",
            code="too_many_leads",
            field="leads",
        )
    return leads, True


def lead_in_body(body: object) -> object:
    """Return an update's body, refusing the batch shape only scoring takes."""
    if isinstance(body, dict) and "leads" in body:
        raise LeadInputError(
            "An update (PATCH) takes one lead's fields as a JSON object. Send "
            'several leads as {"leads": [...]} to POST /api/v1/score.',
            code="invalid_body",
            field="leads",
        )
    return body


def check_leads(leads: list, kinds: dict[str, str]) -> list[IncomingLead]:
    """Return each lead checked; raise LeadInputError for the first bad one."""
    checked = []
    for index, lead in enumerate(leads):
        try:
            checked.append(check_lead(lead, kinds))
        except LeadInputError as error:
            error.index = index
            raise
    return checked


def check_lead(lead: object, kinds: dict[str, str]) -> IncomingLead:
    """Return one lead's fields typed-checked against the model's `kinds`.

    Fields the model does not use are kept and reported as ignored.
    """
    if not isinstance(lead, dict):
        raise LeadInputError("Each lead must be a JSON object.", code="invalid_lead")
    if not lead:
        raise LeadInputError("The lead has no fields.", code="invalid_lead")
    external_id = _text_id(lead.get(EXTERNAL_ID), EXTERNAL_ID)
    owner = _text_id(lead.get(OWNER), OWNER)
    # One pass over the fields: a batch of 1,000 leads has some 30,000.
    fields, ignored = {}, []
    for name, value in lead.items():
        if name in RESERVED:
            continue
        kind = kinds.get(name)
        if kind is None:
            ignored.append(name)
            fields[name] = _storable(name, value)
        else:
            fields[name] = check_value(name, value, kind)
    return IncomingLead(fields, external_id, owner, ignored)


def missing_fields(fields: dict, kinds: dict[str, str]) -> list[str]:
    """Return the model's fields that are blank in a lead's `fields`.

    Give the fields as scored: a known lead's stored fields merged with
    those just sent, so a field sent earlier is not reported missing.
    """
    return [name for name in kinds if _is_blank(fields.get(name))]


def check_value(name: str, value: object, kind: str) -> object:
    """Return the value if it fits the column's kind, else raise naming it."""
    if isinstance(value, str) and NUL in value:
        raise _nul_error(name)
    if _is_blank(value) or (isinstance(value, str) and is_placeholder(value.strip())):
        return None  # "n/a", "Select": blank, as in an uploaded file
    if kind == "yes_no" and (answer := _yes_or_no(value)) is not None:
        return answer
    # Categories next: most of a lead's fields are.
    if kind == "category" and isinstance(value, (str, int, float, bool)):
        return _yes_or_no(value) if isinstance(value, bool) else value
    if kind in NUMERIC_KINDS and (number := _as_number(value)) is not None:
        return number
    if kind in DATE_KINDS and isinstance(value, str) and _is_date(value):
        return value
    expected = {
        "number": "a number",
        "date": "a date such as 2026-05-31",
        "yes_no": "yes or no (true/false, y/n and 1/0 also do)",
    }
    raise LeadInputError(
        f'Field "{name}" must be {expected.get(kind, "text")}, not '
        f"{shown_value(value)}.",
        code="wrong_type",
        field=name,
    )


def shown_value(value: object) -> str:
    """Return a value as JSON for an error message, cut short when long.

    Integrators send JSON, so `["Google"]` and `true` read as they wrote
    them, where Python's repr would say `['Google']` and `True`.
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= SHOWN_LENGTH:
        return text
    return text[: SHOWN_LENGTH - 1] + "…"


def trimmed_id(text: str) -> str:
    """Return an external ID or owner as it is stored and looked up."""
    return text.strip()


def _text_id(value: object, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise LeadInputError(
            f'Field "{name}" must be text.', code="wrong_type", field=name
        )
    text = trimmed_id(str(value))
    if CONTROL_CHARACTER.search(text):
        raise LeadInputError(
            f'Field "{name}" must be one line of text, without line breaks, '
            "tabs, NUL or other control characters.",
            code="wrong_type",
            field=name,
        )
    if len(text) > 255:
        raise LeadInputError(
            f'Field "{name}" is longer than 255 characters.',
            code="wrong_type",
            field=name,
        )
    return text


def _storable(name: str, value: object) -> object:
    """Return a field the model does not use, if no NUL keeps it from storage."""
    if NUL in name:
        raise LeadInputError(
            f"The field name {shown_value(name)} holds a NUL character "
            "(\\u0000), which cannot be stored. Remove it.",
            code="wrong_type",
            field=name,
        )
    if _holds_nul(value):
        raise _nul_error(name)
    return value


def _holds_nul(value: object) -> bool:
    # Such a field may hold arrays and objects, keys included.
    return any(NUL in text for text in texts_in(value))


def texts_in(value: object) -> Iterator[str]:
    """Yield every text in a JSON value, object keys included, at any depth
    (walked with a list, not by recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _nul_error(name: str) -> LeadInputError:
    return LeadInputError(
        f'Field "{name}" holds a NUL character (\\u0000), which cannot be '
        "stored. Remove it.",
        code="wrong_type",
        field=name,
    )


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isinf(value) else value
    if not isinstance(value, str):
        return None
    try:
        number = float(value)
    except ValueError:
        number = _number_as_read(value)
    return number if number is not None and math.isfinite(number) else None


def _number_as_read(text: str) -> float | None:
    # "1,532", "$1200" or "12%" are numbers in an uploaded file; the reader's
    # own column parsing decides here too, so the API and files agree.
    column, _, _ = convert_column(pd.Series([text], dtype=object))
    if column.dtype != "float64" or pd.isna(column.iloc[0]):
        return None
    return float(column.iloc[0])


def _is_date(value: str) -> bool:
    try:
        return not pd.isna(pd.to_datetime(value, utc=True))
    except (ValueError, OverflowError):
        return False


def _yes_or_no(value: object) -> str | None:
    """Return "Yes" or "No" for a value an uploaded yes/no column could hold,
    in any case and with spaces around; None for anything else."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if not isinstance(value, (str, int, float)):
        return None
    word = format_value(value).strip().casefold()
    if word not in YES_NO_WORDS:
        return None
    return "Yes" if word in YES_VALUES else "No"
