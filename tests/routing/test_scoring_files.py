"""A file of leads scored in chunks by several jobs, and leads found again by
their external ID in a later file or through the API."""

import codecs
import csv
import io

import django_rq
import pandas as pd
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rq import SimpleWorker

from modeling.scoring import predict_leads
from routing import jobs, leads
from routing.models import Lead, Score, ScoringRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 rows scored 2 at a time, so a small file takes several."""
    monkeypatch.setattr(jobs, "FILE_CHUNK", 4)
    monkeypatch.setattr(leads, "STEP_ROWS", 2)


def upload(client, tmp_path, text: str, name: str = "new.csv") -> ScoringRun:
    path = tmp_path / name
    path.write_text(text)
    with path.open("rb") as handle:
        client.post(reverse("routing:upload"), {"file": handle})
    return ScoringRun.objects.latest("pk")


def leads_file(n: int, *, first: int = 0, minutes: int = 5) -> str:
    sources = ["Referral", "Google", "Event"]
    lines = ["Lead ID,Source,Minutes on site,Employees"]
    for i in range(first, first + n):
        lines.append(f"L{i:03d},{sources[i % 3]},{minutes + i},1-10")
    return "\n".join(lines) + "\n"


def download(client, run: ScoringRun) -> list[dict]:
    response = client.get(reverse("routing:run-download", args=[run.pk]))
    content = b"".join(response.streaming_content)
    assert content.startswith(codecs.BOM_UTF8)  # Excel then reads it as UTF-8
    assert response["Content-Disposition"].endswith('-scored.csv"')
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def work(*, max_jobs: int | None = None) -> None:
    worker = django_rq.get_worker("scoring", worker_class=SimpleWorker)
    worker.work(burst=True, max_jobs=max_jobs)


def test_a_file_is_scored_in_chunks_and_downloaded_in_its_own_order(
    marketer_client, version, queues, small_chunks, tmp_path
):
    run = upload(marketer_client, tmp_path, leads_file(10))

    work(max_jobs=2)  # the job that cuts the file, then its first chunk
    run.refresh_from_db()
    assert (run.status, run.n_chunks, run.n_scored, run.progress) == (
        "running",
        3,
        4,
        40,
    )
    assert not run.output

    work()
    run.refresh_from_db()
    rows = download(marketer_client, run)
    assert (run.status, run.progress, run.n_scored) == ("succeeded", 100, 10)
    assert [row["Lead ID"] for row in rows] == [f"L{i:03d}" for i in range(10)]
    stored = {lead.external_id: lead for lead in Lead.objects.all()}
    assert len(stored) == 10
    for number, row in enumerate(rows, start=1):
        lead = stored[row["Lead ID"]]
        assert float(row["probability"]) == pytest.approx(lead.probability, abs=1e-4)
        assert row["tier"] == lead.tier.name and lead.row_number == number
    assert not default_storage.exists(f"{jobs.CHUNKS}/run-{run.pk}")


def test_a_chunk_that_cannot_be_scored_fails_the_run_in_plain_words(
    marketer_client, version, queues, small_chunks, tmp_path
):
    run = upload(marketer_client, tmp_path, leads_file(10))
    work(max_jobs=1)  # the file is cut; now damage the second chunk's file
    name = f"{jobs.CHUNKS}/run-{run.pk}/00001-in.pickle"
    with default_storage.open(name, "wb") as handle:
        handle.write(b"not what the job wrote")

    work()

    status = marketer_client.get(reverse("routing:run-status", args=[run.pk])).json()
    assert status["status"] == "failed" and not status["download_url"]
    assert status["error"] == (
        f"Scoring stopped because of a problem on our side (scoring run "
        f"#{run.pk}). Try again."
    )
    assert not default_storage.exists(name)


def test_a_chunk_whose_worker_died_fails_the_run_instead_of_waiting(
    marketer_client, version, queues, small_chunks, tmp_path
):
    run = upload(marketer_client, tmp_path, leads_file(10))
    work(max_jobs=1)
    # What RQ does when a chunk's work horse is killed: the job fails
    # without any of our code running.
    queue = queues["scoring"]
    job = queue.fetch_job(f"scoring-run-{run.pk}-chunk-1")
    queue.remove(job)
    worker = django_rq.get_worker("scoring", worker_class=SimpleWorker)
    worker.handle_job_failure(job, queue=queue, exc_string="work horse killed")

    work()

    run.refresh_from_db()
    assert run.status == "failed" and "scoring run #" in run.error
    assert run.n_chunks_done == 2 and not run.output


def test_a_run_whose_first_job_died_fails_instead_of_waiting(
    marketer_client, version, queues, tmp_path
):
    run = upload(marketer_client, tmp_path, leads_file(10))
    queue = queues["scoring"]
    job = queue.fetch_job(f"scoring-run-{run.pk}")
    queue.remove(job)
    worker = django_rq.get_worker("scoring", worker_class=SimpleWorker)
    worker.handle_job_failure(job, queue=queue, exc_string="killed for memory")

    work()

    run.refresh_from_db()
    assert run.status == "failed" and "scoring run #" in run.error


def test_a_file_uploaded_again_updates_and_rescores_its_leads(
    marketer_client, version, run_jobs, tmp_path
):
    upload(marketer_client, tmp_path, leads_file(3), "monday.csv")
    run_jobs("scoring")
    again = upload(
        marketer_client, tmp_path, leads_file(3, first=1, minutes=60), "tuesday.csv"
    )
    run_jobs("scoring")

    assert Lead.objects.count() == 4  # L000 to L003, each once
    lead = Lead.objects.get(external_id="L001")
    assert lead.dataset == again.dataset and lead.source == "tuesday.csv"
    assert lead.fields["Minutes on site"] == 61
    monday, tuesday = lead.scores.order_by("pk")
    assert tuesday.probability == pytest.approx(lead.probability)
    assert tuesday.probability > monday.probability  # 61 minutes on site, not 6
    assert Score.objects.count() == 6


def test_a_lead_twice_in_one_file_is_stored_once_with_its_last_row(
    marketer_client, version, run_jobs, small_chunks, tmp_path
):
    # One repeat in 21 rows: the column still reads as the leads' IDs.
    text = leads_file(20) + "L001,Event,70,200+\n"

    run = upload(marketer_client, tmp_path, text)
    run_jobs("scoring")

    run.refresh_from_db()
    assert run.n_scored == 21 and len(download(marketer_client, run)) == 21
    lead = Lead.objects.get(external_id="L001")
    assert lead.fields["Source"] == "Event" and lead.row_number == 21
    assert Lead.objects.count() == 20 and lead.scores.count() == 1


def test_answers_added_through_the_api_to_an_uploaded_lead_rescore_it(
    marketer_client, version, run_jobs, api, tmp_path
):
    upload(marketer_client, tmp_path, leads_file(3))
    run_jobs("scoring")

    response = api("patch", "/api/v1/leads/L002", {"Minutes on site": 90})

    assert response.status_code == 200
    lead = Lead.objects.get(external_id="L002")
    assert response.json()["lead_id"] == lead.pk and Lead.objects.count() == 3
    assert lead.fields["Minutes on site"] == 90 and lead.scores.count() == 2


def test_an_upload_without_a_column_keeps_the_answer_the_api_sent(
    marketer_client, version, run_jobs, api, tmp_path
):
    api("post", "/api/v1/score", {"external_id": "L000", "Minutes on site": 80})
    text = "Lead ID,Source,Employees\nL000,Google,1-10\nL001,Event,200+\n"

    run = upload(marketer_client, tmp_path, text)
    run_jobs("scoring")

    lead = Lead.objects.get(external_id="L000")
    assert lead.fields == {
        "Lead ID": "L000",
        "Source": "Google",
        "Employees": "1-10",
        "Minutes on site": 80,
    }
    expected = predict_leads(version, pd.DataFrame([lead.fields]))["probability"]
    assert lead.probability == pytest.approx(expected[0])
    row = download(marketer_client, run)[0]
    assert float(row["probability"]) == pytest.approx(lead.probability, abs=1e-4)
