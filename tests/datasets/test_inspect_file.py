"""inspect_file prints what the pages show; an unreadable file is one error."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def inspect(capsys, *args) -> dict:
    call_command("inspect_file", *map(str, args), "--json")
    return json.loads(capsys.readouterr().out)


def test_x_education_as_json(capsys, x_education_csv):
    result = inspect(capsys, x_education_csv, "--target", "Converted")

    columns = {c["name"]: c for c in result["columns"]}
    leaky = {s["column"] for s in result["leakage"]}
    assert result["rows"] == 9240 and len(columns) == 37
    assert result["encoding"] == "utf-8" and result["delimiter"] == ","
    assert columns["Prospect ID"]["kind"] == "identifier"
    assert {"name", "kind", "missing", "distinct"} <= set(columns["Country"])
    assert result["target"] == {
        "column": "Converted",
        "positive": ["1"],
        "negative": ["0"],
        "open_values": [],
        "open_rows": 0,
    }
    assert {"Tags", "Lead Quality", "Last Activity"} <= leaky
    assert "Lead Source" not in leaky
    assert {"column": "Lead Source", "groups": [["Google", "google"]]} in (
        result["merge_suggestions"]
    )
    assert result["sufficiency"]["level"] == "ok"


@pytest.mark.parametrize("fixture", ["bank_csv", "bank_additional_csv"])
def test_bank_files_as_json(capsys, fixture, request):
    result = inspect(capsys, request.getfixturevalue(fixture))

    assert result["delimiter"] == ";"
    assert result["target"]["column"] == "y"
    assert result["target"]["positive"] == ["yes"]
    assert [s["column"] for s in result["leakage"]] == ["duration"]
    assert result["sufficiency"]["level"] == "ok"


def test_plain_text_names_the_outcome_and_the_suspects(capsys, bank_csv):
    call_command("inspect_file", str(bank_csv), "--target", "y")
    out = capsys.readouterr().out

    assert out.startswith("45,211 rows, 17 columns; encoding utf-8")
    assert "leaky? duration:" in out and "data (ok):" in out


def test_a_small_excel_file_has_no_delimiter(capsys, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Source", "Won"])
    for i in range(30):
        book.active.append(["Web" if i % 2 else "Ad", "yes" if i % 3 else "no"])
    path = tmp_path / "leads.xlsx"
    book.save(path)

    result = inspect(capsys, path)

    assert result["delimiter"] is None and result["encoding"] is None
    assert result["sufficiency"]["level"] == "low"
    assert result["warnings"] == [result["sufficiency"]["message"]]


def run_command(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "inspect_file", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n" + bytes(range(256))])
def test_unreadable_file_is_one_error_and_exit_code_2(tmp_path, content):
    path = tmp_path / "leads.csv"
    path.write_bytes(content)

    plain, as_json = run_command(path), run_command(path, "--json")

    assert plain.returncode == 2 and as_json.returncode == 2
    assert plain.stderr.startswith("error: ") and plain.stderr.count("\n") <= 1
    assert "Traceback" not in plain.stderr + as_json.stderr
    assert list(json.loads(as_json.stdout)) == ["error"]


def test_an_unknown_target_is_one_error(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("a,b\n1,x\n2,y\n")

    result = run_command(path, "--target", "Outcome", "--json")

    assert result.returncode == 2
    assert "no column called 'Outcome'" in json.loads(result.stdout)["error"]
