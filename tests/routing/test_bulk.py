"""insert_new: COPY on PostgreSQL (as CI runs it), bulk_create elsewhere."""

from django.db import transaction

from routing.bulk import insert_new
from routing.models import Lead, Score, Tier

AWKWARD = 'say "hi"\tthen\\stop\nnext line, é'


def test_new_rows_are_stored_under_the_keys_they_were_given(db, version):
    tier = Tier.objects.ordered()[0]
    leads = [
        Lead(
            external_id=f"k{i}\t{AWKWARD}",
            fields={"Note": AWKWARD, "Minutes": i, "Empty": None},
            probability=i / 10,
            tier=tier,
            model_version=version,
        )
        for i in range(5)
    ]
    with transaction.atomic():
        insert_new(leads)
        scores = [
            Score(lead=lead, probability=lead.probability, reasons=[{"text": AWKWARD}])
            for lead in leads
        ]
        insert_new(scores)

    for lead in leads:
        stored = Lead.objects.get(pk=lead.pk)
        assert stored.external_id == lead.external_id
        assert stored.fields == lead.fields
        assert stored.row_number is None and stored.outcome == ""
        assert stored.scored_at is not None and stored.tier == tier
        assert stored.scores.get().reasons == [{"text": AWKWARD}]
    assert Lead.objects.create(probability=0.5).pk not in {lead.pk for lead in leads}


def test_saved_instances_can_be_updated_afterwards(db, version):
    lead = Lead(probability=0.2, model_version=version)
    with transaction.atomic():
        insert_new([lead])

    lead.probability = 0.9
    lead.save(update_fields=["probability"])

    assert Lead.objects.get(pk=lead.pk).probability == 0.9
