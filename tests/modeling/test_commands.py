import csv
import io
import json

import pytest
from django.core.management import call_command

from tests.builders import make_leads

pytestmark = pytest.mark.django_db(transaction=True)


def run_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def history(tmp_path):
    frame = make_leads(500)
    frame.loc[frame.index[:40], "Converted"] = ""  # still in the pipeline
    path = tmp_path / "history.csv"
    frame.to_csv(path, index=False)
    return path


def test_train_model_reports_the_model_as_json(history, queues):
    code, out, _ = run_command(
        "train_model",
        str(history),
        "--target",
        "Converted",
        "--algorithm",
        "auto",
        "--exclude",
        "Employees",
        "--json",
    )

    result = json.loads(out)
    assert code == 0
    assert result["rows_trained"] == 460 and result["rows_open"] == 40
    assert result["excluded"]["Employees"] == "Left out on the command line."
    assert "Lead ID" in result["excluded"]
    assert {"roc_auc", "accuracy", "baseline_accuracy", "pr_auc", "brier"} <= set(
        result["metrics"]
    )
    assert result["metrics"]["roc_auc"] > 0.75
    assert result["validation"]["kind"] == "stratified"
    assert set(result["candidates"]) == {"logistic", "forest", "boosting"}
    assert isinstance(result["segments"], list)
    assert [i["column"] for i in result["importances"]][:2] in (
        ["Minutes on site", "Source"],
        ["Source", "Minutes on site"],
    )


def test_score_leads_writes_probability_and_tier(history, tmp_path, queues):
    run_command("train_model", str(history), "--target", "Converted")
    new = tmp_path / "new.csv"
    frame = make_leads(30, random_state=5).drop(columns=["Converted"])
    frame.loc[0, "Source"] = '=HYPERLINK("http://x")'
    frame.to_csv(new, index=False)
    out_path = tmp_path / "scored.csv"

    code, out, _ = run_command("score_leads", str(new), "--out", str(out_path))

    rows = list(csv.DictReader(out_path.open()))
    assert code == 0 and len(rows) == 30
    assert all(0 <= float(r["probability"]) <= 1 for r in rows)
    assert {r["tier"] for r in rows} <= {"Hot", "Warm", "Cold"}
    assert rows[0]["Source"].startswith("'=")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train_model", "/nonexistent.csv", "--target", "y"], "no file"),
        (["score_leads", "/nonexistent.csv", "--out", "/tmp/x.csv"], "no active model"),
    ],
)
def test_a_failure_is_one_error_line_and_exit_code_2(args, message):
    code, out, err = run_command(*args)

    assert code == 2
    assert err.startswith("error: ") and message in err.lower()
    assert "Traceback" not in err + out


def test_a_failure_with_json_is_an_error_object(history):
    code, out, _ = run_command(
        "train_model", str(history), "--target", "Nope", "--json"
    )

    assert code == 2 and "Nope" in json.loads(out)["error"]
