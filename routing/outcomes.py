"""Outcomes recorded in bulk from a CSV, and the history they make."""

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd
from django.db import transaction
from django.utils import timezone

from datasets.errors import DatasetError
from routing.models import Lead

logger = logging.getLogger(__name__)

WON = {"won", "win", "yes", "converted", "1", "true"}
LOST = {"lost", "lose", "no", "not converted", "0", "false"}


@dataclass
class OutcomeImport:
    updated: int = 0
    unknown_ids: list[str] = field(default_factory=list)
    bad_rows: list[int] = field(default_factory=list)


def read_outcome_value(text: str) -> str | None:
    """Return "won" or "lost" for a cell, None when it says neither."""
    value = text.strip().lower()
    return "won" if value in WON else "lost" if value in LOST else None


def read_outcome_date(text: str) -> datetime | None:
    """Return the date in a cell (ISO or day first), None when blank or unreadable.

    A date without a time is taken as midnight in the site's time zone.
    """
    text = text.strip()
    if not text:
        return None
    value = pd.to_datetime(text, errors="coerce", dayfirst=not text[:4].isdigit())
    if pd.isna(value):
        return None
    value = value.to_pydatetime()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value


def outcome_moment(day: date | None) -> datetime:
    """Return when an outcome dated `day` happened: now for today or no date,
    otherwise midnight of that day in the site's time zone."""
    now = timezone.now()
    if day is None or day == timezone.localdate(now):
        return now
    midnight = datetime.combine(day, time.min)
    return timezone.make_aware(midnight, timezone.get_current_timezone())


def future_date_error(day: date | None) -> str | None:
    """Return a plain message when an outcome date lies in the future."""
    if day is not None and day > timezone.localdate():
        return "The outcome date is in the future. Give the day it was won or lost."
    return None


def import_outcomes(data: bytes) -> OutcomeImport:
    """Record outcomes from CSV bytes with `external_id` (or `lead_id`) and
    `outcome` columns, and optionally `date` (when it was won or lost; today
    when blank); return what was updated and what was not."""
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    result = OutcomeImport()
    try:
        wanted = _wanted_outcomes(rows, result)
    except csv.Error:
        raise DatasetError(
            "This file is not a readable CSV of outcomes. Save it as CSV with "
            "the columns external_id and outcome, and upload it again."
        ) from None
    now = timezone.now()
    with transaction.atomic():
        for key, (outcome, when) in wanted.items():
            leads = Lead.objects.filter(external_id=key)
            if not leads.exists() and key.isdigit():
                leads = Lead.objects.filter(pk=int(key))
            count = leads.update(
                outcome=outcome, outcome_at=when or now, outcome_recorded_at=now
            )
            if count:
                result.updated += count
            else:
                result.unknown_ids.append(key)
    logger.info("Outcomes: %s leads updated from a CSV", result.updated)
    return result


def _wanted_outcomes(rows: csv.DictReader, result: OutcomeImport) -> dict:
    """Return {lead key: (outcome, date)}, noting unreadable rows on result."""
    wanted = {}
    for number, row in enumerate(rows, start=2):
        key = (row.get("external_id") or row.get("lead_id") or "").strip()
        outcome = read_outcome_value(row.get("outcome") or "")
        date_text = row.get("date") or row.get("outcome_date") or ""
        when = read_outcome_date(date_text)
        future = when is not None and future_date_error(when.date()) is not None
        if not key or outcome is None or (date_text.strip() and when is None) or future:
            result.bad_rows.append(number)
        else:
            wanted[key] = (outcome, when)
    return wanted


def outcome_history() -> pd.DataFrame:
    """Return leads with a known outcome as a lead history to retrain on.

    The `Converted` column says Yes or No; the other columns are the fields
    the lead was scored with, so the history uploads like any other.
    """
    leads = Lead.objects.exclude(outcome="").only("external_id", "fields", "outcome")
    rows = [
        {
            "external_id": lead.external_id,
            **lead.fields,
            "Converted": "Yes" if lead.outcome == "won" else "No",
        }
        for lead in leads.iterator(chunk_size=2000)
    ]
    return pd.DataFrame(rows)
