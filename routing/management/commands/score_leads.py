from pathlib import Path

import pandas as pd
from django.core.management.base import CommandError

from datasets.reading import read_cells, read_table
from leadscore_site.commands import LeadscoreCommand
from modeling.models import ModelVersion
from modeling.scoring import check_columns
from routing.export import score_frame, write_safe_csv


class Command(LeadscoreCommand):
    help = "Score every row of a leads file and write it back with scores."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--out", required=True, help="the CSV file to write")
        parser.add_argument(
            "--model", type=int, help="model version id (default: active)"
        )

    def run(self, **options) -> dict:
        version = chosen_version(options["model"])
        if Path(options["out"]).resolve() == Path(options["file"]).resolve():
            raise CommandError("--out must not be the input file; it would be lost")
        frame = read_table(options["file"]).frame
        missing = check_columns(version, list(frame.columns))
        scored = score_frame(frame, version, cells=cells_of(options["file"], frame))
        try:
            write_safe_csv(scored, options["out"])
        except OSError as error:
            raise CommandError(
                f"cannot write {options['out']}: {error.strerror}"
            ) from None
        return {
            "model_version": version.pk,
            "rows": len(scored),
            "out": options["out"],
            "missing_columns": missing,
            "tiers": scored["tier"].value_counts().to_dict(),
        }

    def as_text(self, result: dict) -> str:
        tiers = ", ".join(f"{n} {t}" for t, n in result["tiers"].items())
        return (
            f"scored {result['rows']:,} leads with model version "
            f"{result['model_version']} into {result['out']} ({tiers})"
        )


def cells_of(path: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the file's cells as received, which the output repeats; the
    values read if the two readings disagree on the rows."""
    cells = pd.concat(read_cells(path), ignore_index=True)
    return cells if len(cells) == len(frame) else frame


def chosen_version(model_id: int | None) -> ModelVersion:
    if model_id is None:
        version = ModelVersion.active()
        if version is None:
            raise CommandError("there is no active model yet; train one first")
        return version
    version = ModelVersion.objects.filter(pk=model_id).first()
    if version is None:
        raise CommandError(f"there is no model version {model_id}")
    return version
