"""Turn what was found in an upload into the sentences and rows pages show."""

from datasets.models import Dataset

KIND_LABELS = {
    "number": "number",
    "category": "category",
    "yes_no": "yes/no",
    "date": "date",
    "text": "free text",
    "identifier": "identifier",
    "constant": "constant",
    "empty": "empty",
}
DELIMITER_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}


def describe_reading(dataset: Dataset) -> str:
    """Return how the file was read, in one sentence."""
    shape = f"{dataset.row_count:,} leads and {dataset.column_count} columns"
    if dataset.format == "excel":
        return f"{shape}, read from the Excel sheet “{dataset.sheet}”."
    separator = DELIMITER_WORDS.get(dataset.delimiter, repr(dataset.delimiter))
    return (
        f"{shape}, read as {dataset.encoding} text with values separated by "
        f"{separator}."
    )


def column_rows(dataset: Dataset) -> list[dict]:
    """Return one display row per column of the profile."""
    return [
        {
            "name": column["name"],
            "kind": KIND_LABELS.get(column["kind"], column["kind"]),
            "missing": f"{column['missing']:.0%}",
            "distinct": f"{column['distinct']:,}",
            "examples": ", ".join(column["examples"]),
            "note": column.get("excluded_reason") or "",
        }
        for column in dataset.profile
    ]


def placeholder_notes(dataset: Dataset) -> list[str]:
    """Return each entry read as blank with how often, most frequent first."""
    ranked = sorted(dataset.placeholders.items(), key=lambda item: -item[1])
    return [f"“{text}” ({count:,}×)" for text, count in ranked]


def unparsed_notes(dataset: Dataset) -> list[str]:
    """Return, per number column, the cells that were not numbers."""
    return [
        f"“{column}”: {count:,} cell{'s' if count != 1 else ''} not a number, "
        "read as blank"
        for column, count in dataset.unparsed.items()
    ]
