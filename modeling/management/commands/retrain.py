from django.core.management.base import CommandError

from leadscore_site.commands import LeadscoreCommand
from modeling import jobs
from modeling.models import ModelVersion, TrainingRun

COMPARED = ("roc_auc", "calibration_error", "brier", "lift_top_10", "n")


class Command(LeadscoreCommand):
    help = (
        "Retrain the model in use on its history plus the outcomes since; print "
        "the new version (challenger) beside the active one (champion)."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--promote",
            action="store_true",
            help="put the new version in use when it is trained",
        )
        parser.add_argument("--timeout", type=int, default=3600)

    def run(self, **options) -> dict:
        champion = ModelVersion.active()
        run = jobs.enqueue_retrain(trigger="shell", promote=options["promote"])
        run = jobs.wait_for_run(run, jobs.retrain_model_job, timeout=options["timeout"])
        if run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(run.error or "retraining did not finish")
        return report(run.version, champion)

    def as_text(self, result: dict) -> str:
        lines = []
        for role in ("challenger", "champion"):
            item = result[role]
            figures = ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in item["metrics"].items()
            )
            lines.append(f"{role}: model version {item['model_version']}: {figures}")
        lines.append(
            f"held-out leads: {result['held_out_leads']}; open leads "
            f"changing tier: {result['leads_changing_tier']}"
        )
        lines.append(f"active model: version {result['active']}")
        return "\n".join(lines)


def report(challenger: ModelVersion, champion: ModelVersion | None) -> dict:
    comparison = challenger.comparison

    def pick(metrics: dict) -> dict:
        return {key: metrics.get(key) for key in COMPARED}

    return {
        "challenger": {
            "model_version": challenger.pk,
            "metrics": pick(comparison.challenger_metrics),
        },
        "champion": {
            "model_version": champion.pk if champion else None,
            "metrics": pick(comparison.champion_metrics),
        },
        "held_out_leads": comparison.n_leads,
        "leads_changing_tier": comparison.n_changed_tier,
        "active": getattr(ModelVersion.active(), "pk", None),
        "promoted": ModelVersion.active() == challenger,
    }
