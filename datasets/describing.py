"""Describe a file as the preview and mapping pages do, for the shell."""

from __future__ import annotations

from datasets import intake
from datasets.errors import DatasetError
from datasets.models import Dataset
from datasets.profiling import profile_columns
from datasets.reading import TableRead
from datasets.target import suggest_target_column


def describe_read(read: TableRead, target: str | None = None) -> dict:
    """Return what the pages show about a file, as JSON-ready data.

    Without `target` the outcome column is guessed; if none fits, target,
    leakage and sufficiency stay empty.
    """
    frame = read.frame
    # An unsaved upload lets the shell use the very functions the pages use.
    profiles = profile_columns(frame, read.distinct)
    dataset = Dataset(profile=[p.to_dict() for p in profiles])
    result = {
        "rows": len(frame),
        "format": read.format,
        "encoding": read.encoding,
        "delimiter": read.delimiter,
        "sheet": read.sheet,
        "columns": [_column(c) for c in dataset.profile],
        "placeholders": read.placeholders,
        "unparsed": read.unparsed,
        "target": None,
        "leakage": [],
        "questions": [],
        "merge_suggestions": [
            {"column": c, "groups": g}
            for c, g in intake.merge_suggestions(dataset, frame, {}).items()
        ],
        "sufficiency": None,
        "warnings": _reading_warnings(read),
    }
    target = target or suggest_target_column(frame)
    if target is not None:
        result |= _describe_target(dataset, frame, target, result["warnings"])
    return result


def _column(profile: dict) -> dict:
    keys = ("name", "kind", "missing", "distinct", "examples", "excluded_reason")
    return {key: profile[key] for key in keys}


def _reading_warnings(read: TableRead) -> list[str]:
    warnings = [
        f"{count:,} cells of '{column}' were not numbers and are read as blank."
        for column, count in read.unparsed.items()
    ]
    if len(read.sheets) > 1:
        warnings.append(
            f"Only the sheet '{read.sheet}' was read; the workbook also has "
            + ", ".join(repr(s) for s in read.sheets if s != read.sheet)
            + "."
        )
    return warnings


def _describe_target(dataset, frame, target: str, warnings: list[str]) -> dict:
    if target not in frame.columns:
        raise DatasetError(f"There is no column called {target!r} in this file.")
    advice = intake.advise_mapping(dataset, frame, target, None)
    usual = intake.default_exclusions(dataset, target)
    level, message = intake.sufficiency(advice.counts)
    return {
        "target": {
            "column": target,
            "positive": advice.positive,
            "negative": advice.negative,
            "open_values": advice.open_values,
            "open_rows": advice.counts["open"],
        },
        "leakage": [
            {"column": column, "reason": reason}
            for column, reason in advice.excluded.items()
            if column not in usual
        ],
        "questions": advice.questions,
        "merge_suggestions": [
            {"column": c, "groups": g} for c, g in advice.merges.items()
        ],
        "sufficiency": {"level": level, "message": message},
        "warnings": warnings + ([message] if level != "ok" else []),
    }
