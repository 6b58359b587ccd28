import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from datasets import reading
from datasets.errors import DatasetError
from datasets.reading import ReadOptions, read_cells, read_table


def write(tmp_path, content, name="leads.csv", encoding="utf-8"):
    path = tmp_path / name
    data = content if isinstance(content, bytes) else content.encode(encoding)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("cp1252", "cp1252"),
        ("mac-roman", "mac-roman"),
    ],
)
def test_detects_encoding_and_keeps_accents(tmp_path, encoding, expected):
    text = "name;city\nJosé;Zürich\nFrançois;Besançon\nMüller;Köln\n"
    result = read_table(write(tmp_path, text, encoding=encoding))

    assert result.encoding == expected
    assert result.frame["name"].tolist() == ["José", "François", "Müller"]
    assert result.frame.columns.tolist() == ["name", "city"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    text = "name;city\nJosé;Zürich\nFrançois;Besançon\nMüller;Köln\n"
    result = read_table(write(tmp_path, text, encoding=encoding))

    assert result.encoding == encoding
    assert result.frame["city"].tolist() == ["Zürich", "Besançon", "Köln"]


def test_binary_with_zero_bytes_is_still_refused(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(bytes(range(256)) * 40)

    with pytest.raises(DatasetError, match="not a spreadsheet"):
        read_table(path)


def test_latin1_file_with_byte_undefined_in_windows_1252(tmp_path):
    path = write(tmp_path, "name,code\nJosé,a\x81b\n", encoding="latin-1")
    result = read_table(path)

    assert result.encoding == "latin-1"
    assert result.frame["name"].tolist() == ["José"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_detects_each_delimiter(tmp_path, delimiter):
    rows = ["Name,Source,Visits", "Ann,Google,3", "Bob,Direct Traffic,5"]
    path = write(tmp_path, "\n".join(row.replace(",", delimiter) for row in rows))
    result = read_table(path)

    assert result.delimiter == delimiter
    assert result.frame.shape == (2, 3)
    assert result.frame["Visits"].tolist() == [3.0, 5.0]


def test_quoted_fields_keep_delimiters_quotes_and_newlines(tmp_path):
    text = 'name,note,n\n"Smith, Ann","said ""hi""\nthen left",1\nBob,plain,2\n'
    frame = read_table(write(tmp_path, text)).frame

    assert frame["name"].tolist() == ["Smith, Ann", "Bob"]
    assert frame["note"].iloc[0] == 'said "hi"\nthen left'
    assert len(frame) == 2


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
def test_reads_every_line_ending(tmp_path, newline):
    text = newline.join(["a,b", "1,x", "2,y", ""])
    frame = read_table(write(tmp_path, text)).frame

    assert frame["a"].tolist() == [1.0, 2.0]
    assert frame["b"].tolist() == ["x", "y"]


def test_drops_trailing_empty_columns_and_blank_lines(tmp_path):
    text = "a,b,,\n1,x,,\n\n,,,\n2,y,,\n"
    frame = read_table(write(tmp_path, text)).frame

    assert frame.columns.tolist() == ["a", "b"]
    assert len(frame) == 2


def test_duplicate_headers_become_distinct_and_stripped(tmp_path):
    text = " Email ,Name,Email\na@x.com,Ann,b@x.com\n"
    frame = read_table(write(tmp_path, text)).frame

    assert frame.columns.tolist() == ["Email", "Name", "Email (2)"]
    assert frame["Email (2)"].tolist() == ["b@x.com"]


def test_placeholders_become_missing_and_are_counted(tmp_path):
    text = "src,city\nSelect,N/A\n select ,Mumbai\nGoogle, unknown\nnonexistent,-\n"
    result = read_table(write(tmp_path, text))

    assert result.frame["src"].isna().tolist() == [True, True, False, False]
    assert result.frame["src"].iloc[3] == "nonexistent"
    expected = {"Select": 1, "select": 1, "N/A": 1, "unknown": 1, "-": 1}
    assert result.placeholders == expected


def test_text_values_are_stripped_and_use_string_dtype(tmp_path):
    frame = read_table(write(tmp_path, "src\n  Google \nDirect\n")).frame

    assert frame["src"].tolist() == ["Google", "Direct"]
    assert pd.api.types.is_string_dtype(frame["src"])


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ('amount\n"$1,200"\n€ 12\n"1,234"\n', [1200.0, 12.0, 1234.0]),
        ("share\n12%\n7.5%\n100%\n", [12.0, 7.5, 100.0]),
        ("price;size\n3,5;1\n12,75;2\n", [3.5, 12.75]),
    ],
)
def test_number_formats_become_floats(tmp_path, text, values):
    frame = read_table(write(tmp_path, text)).frame

    assert frame.iloc[:, 0].dtype == np.float64
    assert frame.iloc[:, 0].tolist() == values


def test_codes_with_leading_zeros_stay_text(tmp_path):
    frame = read_table(write(tmp_path, "zip,n\n02134,1\n10001,2\n")).frame

    assert frame["zip"].tolist() == ["02134", "10001"]


def test_mostly_text_column_is_not_forced_to_numbers(tmp_path):
    frame = read_table(write(tmp_path, "plan\n12 months\nbasic\n3\n")).frame

    assert frame["plan"].tolist() == ["12 months", "basic", "3"]


def test_reads_xlsx_by_content_whatever_its_name(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Visits"])
    workbook.active.append(["Ann", 3])
    path = tmp_path / "export.csv"
    workbook.save(path)
    result = read_table(path)

    assert result.format == "excel"
    assert result.encoding is None and result.delimiter is None
    assert result.frame["Visits"].tolist() == [3.0]


def test_xlsx_uses_first_sheet_with_data_or_the_chosen_one(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    leads = workbook.create_sheet("Leads")
    leads.append(["Name", "Source"])
    leads.append(["Ann", "Select"])
    other = workbook.create_sheet("Old")
    other.append(["Name"])
    other.append(["Bob"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    first = read_table(path)
    chosen = read_table(path, ReadOptions(sheet="Old"))

    assert first.sheets == ["Notes", "Leads", "Old"]
    assert first.sheet == "Leads"
    assert first.frame["Source"].isna().all() and first.placeholders == {"Select": 1}
    assert chosen.frame["Name"].tolist() == ["Bob"]


def test_unknown_sheet_lists_the_sheets(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    workbook.active.append([1])
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    with pytest.raises(DatasetError, match="Sheet"):
        read_table(path, ReadOptions(sheet="Leads"))


def test_user_can_override_encoding_and_delimiter(tmp_path):
    path = write(tmp_path, "a;b\n1,5;x\n", encoding="cp1252")
    result = read_table(path, ReadOptions(encoding="cp1252", delimiter=";"))

    assert result.frame["a"].tolist() == [1.5]


def message(path, **kwargs):
    with pytest.raises(DatasetError) as caught:
        read_table(path, **kwargs)
    return str(caught.value)


def test_empty_file_is_refused(tmp_path):
    assert "empty" in message(write(tmp_path, b""))
    assert "empty" in message(write(tmp_path, b"\r\n \n"))


def test_header_without_rows_is_refused(tmp_path):
    assert "no rows" in message(write(tmp_path, "a,b,c\n"))


def test_image_renamed_csv_is_refused(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert "not a spreadsheet" in message(write(tmp_path, png))


def test_random_binary_is_refused(tmp_path):
    assert "not a spreadsheet" in message(write(tmp_path, bytes(range(256)) * 10))


def test_corrupt_xlsx_is_refused_and_file_untouched(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    path.write_bytes(path.read_bytes()[:300])
    before = path.read_bytes()

    assert "damaged" in message(path)
    assert path.read_bytes() == before


def test_zip_without_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "leads.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("leads.txt", "a,b\n1,2\n")

    assert "zip archive" in message(path)


def test_legacy_xls_asks_for_xlsx_or_csv(tmp_path):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    text = message(write(tmp_path, ole2, name="old.xls"))

    assert ".xlsx or CSV" in text


def test_wrong_delimiter_landing_in_one_column_names_the_likely_one(tmp_path):
    path = write(tmp_path, "a;b;c\n1;2;3\n")

    assert "';'" in message(path, options=ReadOptions(delimiter=","))


def test_too_many_rows_names_the_limit(tmp_path):
    path = write(tmp_path, "a\n" + "1\n" * 11)

    assert "10" in message(path, max_rows=10)
    assert len(read_table(path, max_rows=11).frame) == 11


def test_x_education_real_file(x_education_csv):
    result = read_table(x_education_csv)

    assert result.frame.shape == (9240, 37)
    assert result.delimiter == ","
    assert result.placeholders["Select"] > 10_000
    assert result.frame["Specialization"].isna().sum() > 3000
    assert result.frame["Total Time Spent on Website"].dtype == np.float64


def test_bank_full_real_file(bank_csv):
    result = read_table(bank_csv)

    assert result.frame.shape == (45211, 17)
    assert result.delimiter == ";"
    assert result.frame["age"].dtype == np.float64
    assert result.frame["job"].iloc[0] == "management"


def test_bank_additional_real_file(bank_additional_csv):
    result = read_table(bank_additional_csv)

    assert result.frame.shape == (41188, 21)
    assert result.delimiter == ";"
    assert "nonexistent" in set(result.frame["poutcome"])
    assert result.frame["euribor3m"].iloc[0] == 4.857


def test_distinct_values_are_counted_as_they_end_up(tmp_path):
    text = "src,amount,n\n Google,1,7\nGoogle ,1.0,7\nSelect,$2,8\nDirect,,7\n"
    distinct = read_table(write(tmp_path, text)).distinct

    assert distinct["src"].uniques.tolist() == ["Google", "Direct"]
    assert distinct["src"].counts.tolist() == [2, 1]
    assert distinct["amount"].uniques.tolist() == [1.0, 2.0]
    assert distinct["amount"].counts.tolist() == [2, 1]
    assert distinct["n"].uniques.tolist() == [7.0, 8.0]
    assert distinct["n"].counts.tolist() == [3, 1]


def test_text_column_needing_no_change_is_kept_as_parsed(tmp_path):
    text = "id,src\nL1,Google\nL2,N/A\nL3,Direct\n"
    result = read_table(write(tmp_path, text))

    assert result.frame["id"].tolist() == ["L1", "L2", "L3"]
    assert result.frame["id"].dtype == "str"
    assert result.distinct["id"].counts.tolist() == [1, 1, 1]


def test_an_encoding_override_that_does_not_fit_gets_a_plain_message(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("Source,Converted\nWeb,yes\nAd,no\n", encoding="utf-8")

    with pytest.raises(DatasetError, match="could not be read as utf-16"):
        read_table(path, ReadOptions(encoding="utf-16"))


def test_cells_as_received_line_up_with_the_rows_read(tmp_path):
    text = (
        'id;amount;source;;\n007;"1.234,50";  Google ;;\n\n;;;;\n'
        "008;-3;Select;;\n009;;n/a;;\n"
    )
    path = write(tmp_path, text)
    read = read_table(path).frame
    cells = pd.concat(read_cells(path, rows=2))

    assert len(cells) == len(read) == 3
    assert cells[["id", "amount", "source"]].values.tolist() == [
        ["007", "1.234,50", "  Google "],
        ["008", "-3", "Select"],
        ["009", np.nan, "n/a"],
    ]
    assert read["amount"].tolist()[:2] == [1234.5, -3.0]


def test_cells_keep_line_breaks_quoted_in_names_and_values(tmp_path):
    path = write(tmp_path, 'id,"Lead\nsource",visits\n1,"two\nlines",3\n2,Web,4\n')

    cells = pd.concat(read_cells(path))

    assert list(cells.columns) == list(read_table(path).frame.columns)
    assert cells.values.tolist() == [["1", "two\nlines", "3"], ["2", "Web", "4"]]


@pytest.mark.parametrize(
    "odd_line",
    [b"50,Web", b"50,Caf\xe9,150", b"   "],
    ids=["a value short", "not UTF-8", "only spaces"],
)
def test_cells_line_up_past_a_late_line_arrow_cannot_read(
    tmp_path, monkeypatch, odd_line
):
    # Small blocks, so that Arrow has handed over rows before it meets the
    # line and pandas reads on from there; a small sample, so that the line
    # is not in the part read to detect the encoding.
    monkeypatch.setattr(reading, "ARROW_BLOCK_BYTES", 256)
    monkeypatch.setattr(reading, "SAMPLE_BYTES", 512)
    lines = [f"{i},Source {i},{i * 3}".encode() for i in range(60)]
    lines[50] = odd_line
    path = write(tmp_path, b"id,source,visits\n" + b"\n".join(lines) + b"\n")

    read = read_table(path).frame
    blocks = list(read_cells(path, rows=7))
    cells = pd.concat(blocks, ignore_index=True)

    assert blocks[0]["source"].dtype == reading.ARROW_TEXT
    assert blocks[-1]["source"].dtype == object
    assert sum(len(block) for block in blocks) == len(read) >= 59
    assert cells["id"].tolist() == [str(int(i)) for i in read["id"]]
    assert cells["visits"].tolist() == [
        np.nan if np.isnan(v) else str(int(v)) for v in read["visits"]
    ]
    assert cells["source"].iloc[-1] == "Source 59"


def test_a_late_bad_byte_in_accented_utf8_spoils_only_its_own_cell(
    tmp_path, monkeypatch
):
    # The byte lies past the sample the encoding is detected from.
    monkeypatch.setattr(reading, "SAMPLE_BYTES", 512)
    lines = ["id,city", "1,São Paulo"] + [f"{i},Pune" for i in range(2, 200)]
    content = "\n".join(lines).encode() + b"\n200,N\xe9goce\n"
    path = write(tmp_path, content)

    result = read_table(path)
    cells = pd.concat(read_cells(path, ReadOptions(encoding=result.encoding)))

    assert result.encoding == "utf-8"
    assert result.frame["city"].iloc[0] == cells["city"].iloc[0] == "São Paulo"
    assert result.frame["city"].iloc[-1] == cells["city"].iloc[-1] == "N\ufffdgoce"


def test_cells_of_a_workbook_are_its_cells_as_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "amount", "source"])
    sheet.append(["A1", 12.5, "Select"])
    sheet.append([None, None, None])
    sheet.append(["A2", 3, " Web "])
    path = tmp_path / "leads.xlsx"
    book.save(path)

    cells = pd.concat(read_cells(path))
    assert cells.values.tolist() == [["A1", "12.5", "Select"], ["A2", "3", " Web "]]
    assert len(read_table(path).frame) == 2
