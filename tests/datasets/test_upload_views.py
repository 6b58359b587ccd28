"""Uploads through the real view: odd and unreadable files are kept and
explained, limits are enforced, overrides are what later reads use."""

import io

import numpy as np
import openpyxl
import pytest
from django.urls import reverse

from datasets import intake
from datasets.models import Dataset
from datasets.uploads import RefusedUpload
from modeling.models import TrainingRun

pytestmark = pytest.mark.django_db


def post_file(client, name: str, content: bytes):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(reverse("datasets:upload"), {"file": upload})


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


UNREADABLE = {
    "image renamed .csv": ("leads.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
    "empty file": ("leads.csv", b""),
    "header with no rows": ("leads.csv", b"Name,Source,Converted\r\n"),
    "corrupt xlsx": ("leads.xlsx", b"PK\x03\x04" + b"\x00garbage" * 100),
    "legacy xls": ("leads.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    "zip archive": ("leads.xlsx", b"PK\x05\x06" + b"\x00" * 18),
    "only blank lines": ("leads.csv", b"\r\n\r\n  \r\n"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_file_is_kept_and_explained_in_one_sentence(marketer_client, case):
    name, content = UNREADABLE[case]
    response = post_file(marketer_client, name, content)

    dataset = Dataset.objects.get()
    page = marketer_client.get(response.url)
    assert response.status_code == 302
    assert dataset.status == "failed"
    assert dataset.error.count(". ") <= 2 and "Traceback" not in dataset.error
    assert dataset.error.encode() in page.content.replace(b"&#x27;", b"'")
    with dataset.file.open("rb") as kept:
        assert kept.read() == content


def test_file_is_stored_under_a_generated_name(marketer_client):
    post_file(marketer_client, "../../etc/Lead list.csv", b"a,b\n1,x\n2,y\n")

    dataset = Dataset.objects.get()
    assert dataset.original_name.endswith("Lead list.csv")
    assert "Lead" not in dataset.file.name and dataset.file.name.endswith(".csv")


def test_file_over_the_size_limit_is_refused_with_a_plain_message(
    marketer_client, settings
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    response = post_file(marketer_client, "big.csv", b"a,b\n" + b"1,x\n" * 300_000)

    assert response.status_code == 200
    assert b"larger than the 1 MB limit" in response.content
    assert not Dataset.objects.exists()
    # Cut off as it arrived: nothing of it was kept, in memory or on disk.
    received = response.wsgi_request.FILES["file"]
    assert isinstance(received, RefusedUpload)
    assert received.size > settings.UPLOAD_MAX_BYTES


def test_file_over_the_row_limit_is_kept_and_explained(marketer_client, settings):
    settings.UPLOAD_MAX_ROWS = 3
    post_file(marketer_client, "rows.csv", b"a,b\n1,x\n2,y\n3,z\n4,w\n")

    dataset = Dataset.objects.get()
    assert dataset.status == "failed"
    assert "more than 3 rows" in dataset.error


def test_preview_lists_placeholders_unparsed_numbers_and_exclusions(marketer_client):
    rows = ["ID,Age,Source,Plan"] + [
        f"{i},{'n/a' if i % 7 == 0 else 20 + i % 50},"
        f"{'Select' if i % 5 == 0 else 'Web'},A"
        for i in range(300)
    ]
    rows[150] = "149,thirty,Web,A"
    response = post_file(marketer_client, "leads.csv", "\n".join(rows).encode())
    page = marketer_client.get(response.url).content.decode()

    dataset = Dataset.objects.get()
    assert dataset.unparsed == {"Age": 1}
    assert "“Age”: 1 cell not a number, read as blank" in page
    assert "“Select” (60×)" in page and "“n/a”" in page
    assert "identifier" in page and "Every row has the same value" in page
    assert "read as utf-8 text with values separated by commas" in page


def reread(client, dataset, **choices):
    url = reverse("datasets:reread", args=[dataset.pk])
    client.post(url, choices)
    dataset.refresh_from_db()
    return dataset


def test_delimiter_override_is_used_by_every_later_read(marketer_client):
    text = "code|size;unit\nA|1;kg\nB|2;g\nC|3;kg\n"
    post_file(marketer_client, "sizes.csv", text.encode())
    dataset = Dataset.objects.get()
    assert dataset.delimiter == ";"

    dataset = reread(marketer_client, dataset, encoding="", delimiter="|")

    assert dataset.delimiter == "|" and dataset.status == "ready"
    assert intake.load_table(dataset).columns.tolist() == ["code", "size;unit"]


def test_a_wrong_delimiter_is_explained_and_the_file_kept(marketer_client):
    post_file(marketer_client, "prices.csv", b"name;price\nAnn;1,5\nBob;2,5\n")
    dataset = reread(marketer_client, Dataset.objects.get(), delimiter=",")

    assert dataset.status == "failed" and "delimiter" in dataset.error
    page = marketer_client.get(reverse("datasets:preview", args=[dataset.pk]))
    assert b'<option value="," selected>' in page.content


def test_encoding_override_is_used_by_every_later_read(marketer_client):
    post_file(marketer_client, "names.csv", "name,n\nJosé,1\nZoë,2\n".encode("cp1252"))
    dataset = Dataset.objects.get()
    assert dataset.encoding == "cp1252"

    dataset = reread(marketer_client, dataset, encoding="mac-roman", delimiter="")

    assert dataset.encoding == "mac-roman"
    assert intake.load_table(dataset)["name"].tolist() == ["JosÈ", "ZoÎ"]


def test_a_wrong_override_is_explained_and_can_be_undone(marketer_client):
    post_file(marketer_client, "names.csv", "name,n\nJosé,1\n".encode("utf-16"))
    dataset = reread(
        marketer_client, Dataset.objects.get(), encoding="utf-8", delimiter=""
    )
    assert dataset.status == "failed" and "utf-8" in dataset.error

    dataset = reread(marketer_client, dataset, encoding="", delimiter="")
    assert dataset.status == "ready" and dataset.encoding == "utf-16"


def leads_rows(n: int = 300, seed: int = 0) -> list[list]:
    rng = np.random.default_rng(seed)
    minutes = rng.gamma(2.0, 8.0, size=n).round(1)
    source = rng.choice(["Web", "Referral", "Event"], size=n)
    converted = rng.random(n) < 1 / (1 + np.exp(3 - 0.12 * minutes))
    return [["Source", "Minutes", "Converted"]] + [
        [str(s), float(m), "Yes" if c else "No"]
        for s, m, c in zip(source, minutes, converted)
    ]


@pytest.mark.django_db(transaction=True)
def test_sheet_choice_is_offered_and_is_what_the_training_worker_reads(
    marketer_client, run_jobs
):
    notes = [["Exported by", "CRM"], ["On", "Monday"]]
    content = workbook_bytes({"Notes": notes, "Leads": leads_rows()})
    post_file(marketer_client, "crm.xlsx", content)
    dataset = Dataset.objects.get()
    page = marketer_client.get(reverse("datasets:preview", args=[dataset.pk]))
    assert dataset.sheet == "Notes" and dataset.sheets == ["Notes", "Leads"]
    assert b'<option value="Leads">' in page.content

    dataset = reread(marketer_client, dataset, sheet="Leads")
    marketer_client.post(
        reverse("datasets:mapping", args=[dataset.pk]),
        {"target": "Converted", "positive": ["Yes"]},
    )
    marketer_client.post(
        reverse("modeling:train", args=[dataset.pk]), {"algorithm": "logistic"}
    )
    run_jobs("training")

    run = TrainingRun.objects.get()
    assert dataset.row_count == 300
    assert run.status == "succeeded", run.error
    assert run.version.n_trained == 300
    assert set(run.version.feature_columns) == {"Source", "Minutes"}


def test_quoted_ragged_and_odd_exports_do_not_crash(marketer_client):
    odd = [
        b'"a","b"\n"1","unclosed\n2,3\n',
        b"a,b\n1,2,3,4\n5,6\n",
        b"\xef\xbb\xbfName;Amount\r\nAnn;\xe2\x82\xac 1.200,50\r\n",
        "a\tb\n\u00e9\t1\n".encode("utf-16"),
        b"only_one_column\nx\ny\n",
        b"a,a,,b\n1,2,,3\n",
    ]
    for number, content in enumerate(odd):
        response = post_file(marketer_client, f"odd{number}.csv", content)
        assert response.status_code == 302
        assert marketer_client.get(response.url).status_code == 200
    for dataset in Dataset.objects.all():
        with dataset.file.open("rb") as kept:
            assert kept.read() == odd[int(dataset.original_name[3:-4])]
