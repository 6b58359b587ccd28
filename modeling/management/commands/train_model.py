from django.core.management.base import CommandError

from datasets import intake
from datasets.storing import dataset_from_path
from leadscore_site.commands import LeadscoreCommand
from modeling import jobs
from modeling.models import ROW_ORDER, Algorithm, ModelVersion, TrainingRun


class Command(LeadscoreCommand):
    help = "Train a model on a lead history file, wait for it, and report it."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--target", required=True, help="the outcome column")
        parser.add_argument(
            "--positive",
            nargs="*",
            default=None,
            help="values meaning converted (default: proposed)",
        )
        parser.add_argument("--exclude", nargs="*", default=[], metavar="COLUMN")
        parser.add_argument(
            "--include",
            nargs="*",
            default=[],
            metavar="COLUMN",
            help="keep a column the leakage check would leave out",
        )
        parser.add_argument("--algorithm", choices=Algorithm.values, default="logistic")
        parser.add_argument(
            "--time-order",
            default="",
            metavar="COLUMN|rows",
            help="test on the newest leads, ordered by a date column or by row",
        )
        parser.add_argument("--timeout", type=int, default=3600)

    def run(self, **options) -> dict:
        dataset = dataset_from_path(options["file"])
        intake.inspect_upload(dataset)
        frame = intake.load_table(dataset)
        missing = [
            c for c in options["exclude"] + options["include"] if c not in frame.columns
        ]
        if options["target"] not in frame.columns or missing:
            bad = missing or [options["target"]]
            raise CommandError(f"no column called {bad[0]!r} in {options['file']}")
        advice = intake.advise_mapping(
            dataset, frame, options["target"], options["positive"]
        )
        excluded = {
            c: r for c, r in advice.excluded.items() if c not in options["include"]
        }
        for column in options["exclude"]:
            excluded.setdefault(column, "Left out on the command line.")
        intake.save_mapping(
            dataset,
            frame,
            target=options["target"],
            positive=advice.positive,
            excluded=excluded,
        )
        order = ROW_ORDER if options["time_order"] == "rows" else options["time_order"]
        run = jobs.enqueue_training(
            dataset, algorithm=options["algorithm"], time_order=order
        )
        run = jobs.wait_for_run(run, jobs.train_model_job, timeout=options["timeout"])
        if run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(run.error or "training did not finish")
        return report(run.version)

    def as_text(self, result: dict) -> str:
        lines = [
            f"model version {result['model_version']} ({result['algorithm']})",
            f"rows trained: {result['rows_trained']:,}; rows left open: "
            f"{result['rows_open']:,}",
            "metrics: "
            + ", ".join(f"{k} {v:.3f}" for k, v in result["metrics"].items()),
            "excluded columns:",
            *(f"  {c}: {r}" for c, r in result["excluded"].items()),
            f"validation: {result['validation'].get('description', '')}",
            "importance per column:",
            *(f"  {i['column']}: {i['importance']:.4f}" for i in result["importances"]),
            "segments:",
            *(f"  {s['text']}" for s in result["segments"]),
        ]
        return "\n".join(lines)


def report(version: ModelVersion) -> dict:
    metrics = version.metrics
    return {
        "model_version": version.pk,
        "algorithm": version.algorithm,
        "rows_trained": version.n_trained,
        "rows_open": version.n_open,
        "excluded": version.excluded,
        "metrics": {key: metrics[key] for key in METRICS if key in metrics},
        "roc_auc_ci": metrics.get("roc_auc_ci"),
        "validation": version.validation,
        "candidates": version.candidates,
        "fit_seconds": round(metrics.get("fit_seconds", 0.0), 2),
        "importances": version.importances,
        "segments": version.segments,
    }


METRICS = (
    "roc_auc",
    "accuracy",
    "baseline_accuracy",
    "pr_auc",
    "brier",
    "shuffled_roc_auc",
)
