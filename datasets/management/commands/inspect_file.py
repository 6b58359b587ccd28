from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from datasets.describing import describe_read
from datasets.reading import ReadOptions, read_table
from leadscore_site.commands import LeadscoreCommand


class Command(LeadscoreCommand):
    help = "Describe a leads file as the preview and mapping pages do."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--target", help="the outcome column (default: guessed)")
        parser.add_argument("--encoding", help="read the text with this encoding")
        parser.add_argument("--delimiter", help="values are separated by this")
        parser.add_argument("--sheet", help="the Excel sheet to read")

    def run(self, **options) -> dict:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"there is no file at {path}")
        reading = ReadOptions(
            encoding=options["encoding"],
            delimiter=options["delimiter"],
            sheet=options["sheet"],
        )
        read = read_table(path, reading, max_rows=settings.UPLOAD_MAX_ROWS)
        return describe_read(read, options["target"])

    def as_text(self, result: dict) -> str:
        merges = [
            f"merge in {m['column']}? " + "; ".join(" / ".join(g) for g in m["groups"])
            for m in result["merge_suggestions"]
        ]
        lines = reading_lines(result) + column_lines(result) + target_lines(result)
        return "\n".join(lines + merges + [f"warning: {w}" for w in result["warnings"]])


def reading_lines(result: dict) -> list[str]:
    if result["format"] == "excel":
        how = f"Excel sheet {result['sheet']!r}"
    else:
        how = f"encoding {result['encoding']}, delimiter {result['delimiter']!r}"
    lines = [f"{result['rows']:,} rows, {len(result['columns'])} columns; {how}"]
    if result["placeholders"]:
        lines.append(
            "read as blank: "
            + ", ".join(
                f"{text!r} ({count:,})"
                for text, count in result["placeholders"].items()
            )
        )
    return lines


def column_lines(result: dict) -> list[str]:
    lines = ["columns:"]
    for c in result["columns"]:
        note = f" (left out: {c['excluded_reason']})" if c["excluded_reason"] else ""
        lines.append(
            f"  {c['name']}: {c['kind']}, {c['missing']:.0%} missing, "
            f"{c['distinct']:,} distinct{note}"
        )
    return lines


def target_lines(result: dict) -> list[str]:
    target = result["target"]
    if target is None:
        return ["outcome: no column looks like an outcome; name one with --target"]
    lines = [
        f"outcome {target['column']}: converted = {target['positive']}, "
        f"not converted = {target['negative']}, {target['open_rows']:,} rows open",
        *(f"  leaky? {s['column']}: {s['reason']}" for s in result["leakage"]),
        *(
            f"  ask: was {q!r} known before the first contact?"
            for q in result["questions"]
        ),
        f"data ({result['sufficiency']['level']}): {result['sufficiency']['message']}",
    ]
    return lines
