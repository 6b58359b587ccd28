from django.core.management.base import CommandError

from datasets.cleaning import suggest_merges
from datasets.intake import outcome_counts, sufficiency
from datasets.leakage import find_leaky_columns
from datasets.profiling import profile_columns
from datasets.reading import read_table
from datasets.target import encode_outcome, propose_outcome
from leadscore_site.commands import LeadscoreCommand

MERGE_KINDS = {"category", "yes_no"}


class Command(LeadscoreCommand):
    help = "Describe a leads file as the preview page does."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--target", help="the outcome column")

    def run(self, **options) -> dict:
        read = read_table(options["file"])
        frame = read.frame
        profiles = profile_columns(frame)
        target = options["target"]
        if target is not None and target not in frame.columns:
            raise CommandError(f"no column called {target!r} in {options['file']}")
        result = {
            "rows": len(frame),
            "encoding": read.encoding,
            "delimiter": read.delimiter,
            "sheet": read.sheet,
            "columns": [p.to_dict() for p in profiles],
            "placeholders": read.placeholders,
            "target": None,
            "leakage": [],
            "merge_suggestions": [
                {"column": p.name, "groups": groups}
                for p in profiles
                if p.kind in MERGE_KINDS
                and (groups := suggest_merges(frame[p.name]))
            ],
            "sufficiency": None,
            "warnings": [],
        }
        if target is not None:
            result.update(describe_target(frame, profiles, target))
        return result

    def as_text(self, result: dict) -> str:
        lines = [
            f"{result['rows']:,} rows; encoding {result['encoding']}; "
            f"delimiter {result['delimiter']!r}",
            "columns:",
            *(f"  {c['name']}: {c['kind']}, {c['missing']:.0%} missing, "
              f"{c['distinct']:,} distinct" for c in result["columns"]),
        ]
        if result["target"]:
            t = result["target"]
            lines.append(f"outcome {t['column']}: converted = {t['positive']}, "
                         f"{t['open_rows']:,} rows still open")
            lines += [f"  leaky? {s['column']}: {s['reason']}" for s in result["leakage"]]
            lines.append(f"data: {result['sufficiency']['message']}")
        lines += [f"  merge in {m['column']}: {m['groups']}"
                  for m in result["merge_suggestions"]]
        lines += [f"warning: {w}" for w in result["warnings"]]
        return "\n".join(lines)


def describe_target(frame, profiles, target: str) -> dict:
    proposal = propose_outcome(frame[target])
    y = encode_outcome(frame[target], proposal.positive, proposal.negative)
    known = y.notna()
    ignore = {p.name for p in profiles if p.excluded_reason} | {target}
    features = [c for c in frame.columns if c not in ignore]
    suspects = find_leaky_columns(frame.loc[known, features], y[known],
                                  profiles=profiles)
    level, message = sufficiency(outcome_counts(y))
    warnings = [message] if level != "ok" else []
    return {
        "target": {
            "column": target,
            "positive": proposal.positive,
            "negative": proposal.negative,
            "open_rows": int(y.isna().sum()),
        },
        "leakage": [{"column": s.column, "reason": s.reason} for s in suspects],
        "sufficiency": {"level": level, "message": message},
        "warnings": warnings,
    }
