"""Read an uploaded CSV or Excel file into a clean table of text and numbers."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import charset_normalizer
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from pandas.api.types import infer_dtype, is_bool_dtype, is_numeric_dtype

from datasets.errors import DatasetError
from datasets.profiling import DistinctValues

logger = logging.getLogger(__name__)

SAMPLE_BYTES = 64 * 1024
SAMPLE_RECORDS = 50
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tabs", "|": "'|'"}
PLACEHOLDERS = frozenset(
    {"n/a", "na", "n.a.", "-", "--", "select", "unknown", "null", "none", "nil"}
    | {"nan", "#n/a", "?"}
)
PLACEHOLDER_LENGTH = max(len(text) for text in PLACEHOLDERS)
# Share of a column's filled cells that may fail to parse and still make it numeric.
MAX_UNPARSED_SHARE = 0.005
CHARSET_NAMES = {"utf_8": "utf-8", "cp1252": "cp1252", "latin_1": "latin-1"}
CHARSET_NAMES |= {"mac_roman": "mac-roman"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"Rar!")
NUMBER_RE = re.compile(
    r"^(?P<sign>[-+]?)\s*[$€£¥]?\s*(?P<sign2>[-+]?)"
    r"(?P<body>\d[\d.,' \u00a0\u202f]*)\s*[$€£¥%]?$"
)
DECIMAL_COMMA_RE = re.compile(r",(\d{1,2}|\d{4,})$|\.\d{3},\d")
THOUSANDS_COMMA_RE = re.compile(r",\d{3}\.\d|,\d{3},")
LEADING_ZERO_RE = re.compile(r"^[-+]?0\d")
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)
# The same, its text kept in Arrow buffers (cells as received).
ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
# How much of a file Arrow parses at a time when reading cells as received.
ARROW_BLOCK_BYTES = 1 << 20

EMPTY_FILE = (
    "The file is empty. Export your leads again with column names in the first "
    "row and one lead per row, then upload that file."
)
NOT_A_TABLE = (
    "This file is not a spreadsheet (it looks like an image or another kind of "
    "document). Upload your leads as a CSV or .xlsx file."
)
DAMAGED_EXCEL = (
    "This Excel file could not be opened because it seems damaged. Open it in "
    "Excel, save it again as .xlsx or CSV, and upload the new file."
)


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass
class TableRead:
    frame: pd.DataFrame
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str]
    placeholders: dict[str, int]
    # Column -> cells that were not numbers in a numeric column, now missing.
    unparsed: dict[str, int] = field(default_factory=dict)
    # Column -> its distinct values, counted while reading, for profile_columns;
    # float columns parsed as such are left out (counting them costs as much).
    distinct: dict[str, DistinctValues] = field(default_factory=dict)


@dataclass
class _Header:
    names: list[str]
    blank: list[bool]


def read_table(
    path: str | Path,
    options: ReadOptions = ReadOptions(),
    *,
    max_rows: int | None = None,
) -> TableRead:
    """Return the file's table with placeholders blanked and numbers parsed.

    The file's format, encoding and delimiter are detected from its content
    unless `options` names them. The file itself is never modified.
    """
    path = Path(path)
    head = _read_head(path)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        result = _read_excel(path, options, max_rows)
    else:
        _reject_binary(head)
        result = _read_csv(path, head, options, max_rows)

    logger.info(
        "read_table %s: %s rows x %s columns (%s)",
        path.name,
        len(result.frame),
        result.frame.shape[1],
        result.format,
    )
    return result


def read_cells(
    path: str | Path, options: ReadOptions = ReadOptions(), *, rows: int = 50_000
) -> Iterator[pd.DataFrame]:
    """Yield the file's cells as received, `rows` rows at a time.

    Cells are the text in the file: nothing is stripped, parsed or blanked
    (an empty cell is NaN). Columns are named as read_table names them, and
    the rows read_table leaves out (wholly blank ones) are left out, so the
    n-th row yielded is read_table's n-th row.
    """
    path = Path(path)
    head = _read_head(path)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        yield from _excel_cells(path, options, rows)
        return
    encoding = options.encoding or detect_encoding(head)
    text = _decode_sample(head, encoding)
    delimiter = options.delimiter or detect_delimiter(text)
    names = _csv_header(text, delimiter).names
    for block in _csv_cells(path, encoding, delimiter, names, rows):
        yield _drop_blank_rows(block)


def _csv_cells(
    path: Path, encoding: str, delimiter: str, names: list[str], rows: int
) -> Iterator[pd.DataFrame]:
    """Yield a CSV file's cells in blocks of `rows` rows: Arrow's reader for
    UTF-8, pandas' for other encodings and from where Arrow cannot read on."""
    done = 0
    if encoding in ("utf-8", "utf-8-sig"):
        try:
            for block in _arrow_cells(path, delimiter, names, rows):
                yield block
                done += 1
            return
        except pa.ArrowInvalid as error:
            # Rows of unequal length, a byte that is not UTF-8, or a cell
            # larger than a block. pandas reads the file from its start (the
            # part already read costs twice) and hands over the blocks after
            # Arrow's, as read_table reads them.
            logger.info("read_cells %s: reading on with pandas (%s)", path.name, error)
    for number, block in enumerate(
        _pandas_cells(path, encoding, delimiter, names, rows)
    ):
        if number >= done:
            yield block


def _arrow_cells(
    path: Path, delimiter: str, names: list[str], rows: int
) -> Iterator[pd.DataFrame]:
    """Yield blocks of `rows` rows of a UTF-8 file's cells as Arrow text.

    Arrow keeps text out of Python objects: the download writes these cells
    back with Arrow, and a chunk of a scoring run pickles them as buffers.
    Its rows are pandas' rows (quoted line breaks, blank lines skipped), and
    it raises on the files where they might not be (see read_cells).
    """
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(
            column_names=names,
            # Counted in records, so a line break quoted in a name is skipped too.
            skip_rows_after_names=1,
            use_threads=False,
            block_size=ARROW_BLOCK_BYTES,
        ),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    pending, n_pending = [], 0
    for batch in reader:
        pending.append(batch)
        n_pending += batch.num_rows
        while n_pending >= rows:
            table = pa.Table.from_batches(pending)
            yield _text_frame(table.slice(0, rows))
            pending, n_pending = table.slice(rows).to_batches(), n_pending - rows
    if n_pending:
        yield _text_frame(pa.Table.from_batches(pending))


def _text_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.string(): ARROW_TEXT}.get)


def _pandas_cells(
    path: Path, encoding: str, delimiter: str, names: list[str], rows: int
) -> Iterator[pd.DataFrame]:
    blocks = pd.read_csv(
        path,
        encoding=encoding,
        encoding_errors="replace",
        sep=delimiter,
        names=names,
        header=0,
        index_col=False,
        keep_default_na=False,
        na_values=[""],
        # Plain Python strings: read twice as fast as pandas' text type,
        # and only ever written back out.
        dtype=object,
        chunksize=rows,
    )
    with blocks:
        yield from blocks


def _excel_cells(path: Path, options: ReadOptions, rows: int) -> Iterator[pd.DataFrame]:
    with path.open("rb") as handle:
        workbook = _open_workbook(path, handle)
        try:
            _, cells = _pick_sheet(workbook, options.sheet, None)
        finally:
            workbook.close()
    width = max(len(row) for row in cells)
    names = distinct_names(list(cells[0]) + [None] * (width - len(cells[0]))).names
    for start in range(1, len(cells), rows):
        block = [
            list(r) + [None] * (width - len(r)) for r in cells[start : start + rows]
        ]
        yield pd.DataFrame(block, columns=names, dtype=object)


# --- bytes, encoding and delimiter ------------------------------------------


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise DatasetError(EMPTY_FILE)
    return head


def _reject_binary(head: bytes) -> None:
    if head.startswith(OLE2_MAGIC):
        raise DatasetError(
            "This is an old-style Excel file (.xls), which we cannot read. Open "
            "it in Excel, save it as .xlsx or CSV, and upload that file."
        )
    has_bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if head.startswith(BINARY_MAGICS):
        raise DatasetError(NOT_A_TABLE)
    if b"\x00" in head and not has_bom and bomless_utf16(head) is None:
        raise DatasetError(NOT_A_TABLE)


def bomless_utf16(head: bytes) -> str | None:
    """Return "utf-16-le" or "utf-16-be" when bytes full of zeros are UTF-16
    text without a byte-order mark (some exporters write it), else None.

    Binary data has zeros too, so the decoded text must also look like a
    table: printable, with line breaks and a delimiter.
    """
    head = head[: len(head) // 2 * 2]
    best = charset_normalizer.from_bytes(
        head, cp_isolation=["utf_16_le", "utf_16_be"]
    ).best()
    if best is None:
        return None
    encoding = best.encoding.replace("_", "-")
    text = head.decode(encoding, errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    looks_tabular = "\n" in text and any(d in text for d in ",;\t|")
    return encoding if looks_tabular and printable >= 0.95 * len(text) else None


def detect_encoding(head: bytes) -> str:
    """Return the likeliest text encoding of a file's first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head and (utf16 := bomless_utf16(head)):
        return utf16
    if _decodes(head, "utf-8"):
        return "utf-8"

    candidates = ["cp1252", "latin_1", "mac_roman"]
    best = charset_normalizer.from_bytes(head, cp_isolation=candidates).best()
    name = CHARSET_NAMES.get(best.encoding if best else "", "cp1252")
    # A few bytes are undefined in Windows-1252 but valid in Latin-1.
    if name == "cp1252" and not _decodes(head, "cp1252"):
        return "latin-1"
    return name


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        _decode_head(head, encoding)
    except UnicodeError:
        return False
    return True


def _decode_head(head: bytes, encoding: str) -> str:
    # final=False: the sample may end in the middle of a character.
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    return decoder.decode(head, final=False)


def _scan_records(text: str) -> tuple[list[Counter], int]:
    """Return delimiter counts per record outside quotes, and where they end."""
    records: list[Counter] = []
    current: Counter = Counter()
    in_quotes = False
    end = 0
    for index, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif in_quotes:
            continue
        elif char in "\r\n":
            if current or (index > end + 1):
                records.append(current)
                if len(records) >= SAMPLE_RECORDS:
                    return records, index
            current, end = Counter(), index
        elif char in DELIMITERS:
            current[char] += 1
    return records, end


def detect_delimiter(text: str) -> str:
    """Return the delimiter used consistently on the first lines of `text`."""
    records, _ = _scan_records(text)
    if not records:
        records = [Counter(char for char in text if char in DELIMITERS)]
    header, rows = records[0], records[1:] or records[:1]

    def score(delimiter: str) -> tuple[float, int]:
        expected = header[delimiter]
        same = sum(1 for row in rows if row[delimiter] == expected)
        return (round(same / len(rows), 1), expected)

    used = [d for d in DELIMITERS if header[d] > 0]
    return max(used, key=score) if used else ","


# --- CSV --------------------------------------------------------------------


def _read_csv(
    path: Path, head: bytes, options: ReadOptions, max_rows: int | None
) -> TableRead:
    encoding = options.encoding or detect_encoding(head)
    text = _decode_sample(head, encoding)
    delimiter = options.delimiter or detect_delimiter(text)
    header = _csv_header(text, delimiter)

    text_columns = _text_columns(text, delimiter, header)
    raw, encoding = _parse_csv(
        path,
        encoding,
        delimiter,
        header,
        max_rows,
        text_columns,
        ascii_start=text.isascii(),
    )
    frame, placeholders, unparsed, distinct = _finish(raw, header, delimiter, max_rows)
    if frame.shape[1] == 1:
        _reject_one_column(text.splitlines()[0], delimiter)
    return TableRead(
        frame, "csv", encoding, delimiter, None, [], placeholders, unparsed, distinct
    )


def _decode_sample(head: bytes, encoding: str) -> str:
    try:
        text = _decode_head(head, encoding)
    except (UnicodeError, LookupError) as error:
        raise DatasetError(
            f"The file could not be read as {encoding}. Choose another encoding, "
            "or leave it on automatic, and try again."
        ) from error
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    if controls > len(text) / 100:
        raise DatasetError(NOT_A_TABLE)
    return text


def _csv_header(text: str, delimiter: str) -> _Header:
    first = next(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter), [])
    return distinct_names(first)


def distinct_names(raw: list[object]) -> _Header:
    """Return stripped, unique column names; blanks become 'Column N'."""
    names, blank, seen = [], [], set()
    for position, value in enumerate(raw, start=1):
        name = "" if value is None else str(value).strip()
        blank.append(not name)
        base = name or f"Column {position}"
        name, copy = base, 1
        while name.casefold() in seen:
            copy += 1
            name = f"{base} ({copy})"
        seen.add(name.casefold())
        names.append(name)
    return _Header(names, blank)


def _parse_csv(
    path: Path,
    encoding: str,
    delimiter: str,
    header: _Header,
    max_rows: int | None,
    text_columns: list[str],
    *,
    ascii_start: bool,
) -> tuple[pd.DataFrame, str]:
    options = {
        "sep": delimiter,
        "names": header.names,
        "header": 0,
        "index_col": False,
        "keep_default_na": False,
        "na_values": [""],
        "engine": "c",
        "nrows": None if max_rows is None else max_rows + 1,
        "dtype": {name: str for name in text_columns},
    }
    try:
        return _read_csv_quietly(path, encoding, options), encoding
    except UnicodeDecodeError:
        # A start in plain ASCII says nothing of the encoding; one with UTF-8
        # accents does, and Windows-1252 would garble each of them.
        fallback = "cp1252" if encoding == "utf-8" and ascii_start else encoding
        # Known limit: a byte that does not fit the encoding seen in the first
        # 64 KB is read as '\ufffd' (or the file as Windows-1252 if the start
        # was plain ASCII); such cells show a replacement mark.
        logger.warning(
            "read_table %s: undecodable bytes, using %s", path.name, fallback
        )
        options["encoding_errors"] = "replace"
        return _read_csv_quietly(path, fallback, options), fallback


def _text_columns(text: str, delimiter: str, header: _Header) -> list[str]:
    """Return columns whose sample values have leading zeros (codes, not numbers)."""
    _, end = _scan_records(text)
    if not end:
        return []
    sample = pd.read_csv(
        io.StringIO(text[:end]),
        sep=delimiter,
        dtype=str,
        header=None,
        keep_default_na=False,
        on_bad_lines="skip",
        index_col=False,
    ).iloc[1:]
    zero = sample.apply(lambda column: column.str.strip().str.match(LEADING_ZERO_RE))
    width = min(len(header.names), zero.shape[1])
    return [header.names[i] for i in range(width) if zero.iloc[:, i].any()]


def _read_csv_quietly(path: Path, encoding: str, options: dict) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # Mixed-type chunks and ragged rows are handled column by column.
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(path, encoding=encoding, **options)
    except pd.errors.EmptyDataError as error:
        raise DatasetError(EMPTY_FILE) from error
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))
        where = f"Line {line.group(1)}" if line else "A line"
        raise DatasetError(
            f"{where} of the file has more values than there are column names. "
            "Check the delimiter and that every quote is closed, then upload again."
        ) from error


def _reject_one_column(first_line: str, delimiter: str) -> None:
    for other in DELIMITERS:
        if other != delimiter and other in first_line:
            raise DatasetError(
                "Every row landed in one column, so the file probably separates "
                f"values with {DELIMITER_NAMES[other]}. Pick that delimiter and "
                "upload again."
            )


# --- Excel ------------------------------------------------------------------


def _read_excel(path: Path, options: ReadOptions, max_rows: int | None) -> TableRead:
    # A handle, not the path: openpyxl refuses names not ending in .xlsx.
    with path.open("rb") as handle:
        workbook = _open_workbook(path, handle)
        try:
            sheets = list(workbook.sheetnames)
            sheet, rows = _pick_sheet(workbook, options.sheet, max_rows)
        finally:
            workbook.close()

    width = max(len(row) for row in rows)
    rows = [list(row) + [None] * (width - len(row)) for row in rows]
    header = distinct_names(rows[0])
    raw = pd.DataFrame(rows[1:], columns=header.names, dtype=object)
    frame, placeholders, unparsed, distinct = _finish(raw, header, None, max_rows)
    return TableRead(
        frame, "excel", None, None, sheet, sheets, placeholders, unparsed, distinct
    )


def _open_workbook(path: Path, handle: io.BufferedReader) -> openpyxl.Workbook:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.namelist()
    except zipfile.BadZipFile as error:
        raise DatasetError(DAMAGED_EXCEL) from error
    if "[Content_Types].xml" not in parts or "xl/workbook.xml" not in parts:
        raise DatasetError(
            "This is a zip archive, not a spreadsheet. Unzip it and upload the "
            "CSV or .xlsx file inside."
        )
    try:
        return openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:
        # openpyxl raises many kinds of error on a broken workbook; all mean
        # the same thing to the user.
        logger.warning("read_table %s: workbook unreadable: %r", path.name, error)
        raise DatasetError(DAMAGED_EXCEL) from error


def _pick_sheet(
    workbook: openpyxl.Workbook, wanted: str | None, max_rows: int | None
) -> tuple[str, list[tuple]]:
    if wanted is not None and wanted not in workbook.sheetnames:
        listed = ", ".join(workbook.sheetnames)
        raise DatasetError(
            f"The workbook has no sheet called '{wanted}'. Pick one of: {listed}."
        )
    for name in [wanted] if wanted else workbook.sheetnames:
        rows = _sheet_rows(workbook[name], max_rows)
        if rows:
            return name, rows
    raise DatasetError(EMPTY_FILE)


def _sheet_rows(sheet: object, max_rows: int | None) -> list[tuple]:
    rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = tuple(_cell_text(value) for value in row)
        if any(cell is not None for cell in cells):
            rows.append(cells)
        if max_rows is not None and len(rows) > max_rows + 1:
            break
    return rows


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- values -----------------------------------------------------------------


def _finish(
    raw: pd.DataFrame, header: _Header, delimiter: str | None, max_rows: int | None
) -> tuple[pd.DataFrame, dict[str, int], dict[str, int], dict[str, DistinctValues]]:
    raw = _drop_blank_rows(_drop_trailing_empty(raw, header))
    if raw.empty:
        raise DatasetError(
            "The file has column names but no rows of leads. Export it again "
            "with the leads included."
        )
    if max_rows is not None and len(raw) > max_rows:
        raise DatasetError(
            f"The file has more than {max_rows:,} rows, the most we can read. "
            "Remove old leads or split the file, then upload again."
        )

    columns, placeholders, unparsed, distinct = {}, Counter(), {}, {}
    for name in raw.columns:
        column, found, failed, values = _convert(raw[name], delimiter)
        columns[name] = column.to_numpy() if column.dtype == float else column.array
        placeholders.update(found)
        if failed:
            unparsed[name] = failed
        if values is not None:
            distinct[name] = values
    frame = pd.DataFrame(columns, copy=False)
    return frame, dict(placeholders), unparsed, distinct


def _drop_blank_rows(raw: pd.DataFrame) -> pd.DataFrame:
    # A blank row is blank in its first column too; checking those rows only
    # saves a pass over every cell of a large file.
    if raw.empty or raw.shape[1] == 0:
        return raw
    candidates = raw[raw.iloc[:, 0].isna()]
    blank = candidates.index[candidates.isna().all(axis=1)]
    return raw.drop(index=blank).reset_index(drop=True) if len(blank) else raw


def _drop_trailing_empty(raw: pd.DataFrame, header: _Header) -> pd.DataFrame:
    keep = raw.shape[1]
    while keep > 0 and header.blank[keep - 1] and raw.iloc[:, keep - 1].isna().all():
        keep -= 1
    return raw.iloc[:, :keep]


def convert_column(
    values: pd.Series, delimiter: str | None = None
) -> tuple[pd.Series, Counter, int]:
    """Return the column as float64 or stripped text, placeholders found, misfits."""
    column, found, failed, _ = _convert(values, delimiter)
    return column, found, failed


def _convert(
    values: pd.Series, delimiter: str | None
) -> tuple[pd.Series, Counter, int, DistinctValues | None]:
    if is_numeric_dtype(values) and not is_bool_dtype(values):
        return values.astype("float64"), Counter(), 0, _integer_distinct(values)

    # Factorizing the plain object array is markedly faster than the Series,
    # and every later step works on distinct values only.
    codes, uniques = pd.factorize(values.to_numpy(object))
    as_text = infer_dtype(uniques, skipna=False) == "string"
    if not as_text:
        uniques = np.array([str(value) for value in uniques], dtype=object)
    texts = np.array([value.strip() for value in uniques], dtype=object)
    counts = np.bincount(codes[codes >= 0], minlength=len(texts))
    blank = _placeholder_mask(texts)
    found = Counter({texts[i]: int(counts[i]) for i in np.flatnonzero(blank)})
    found.pop("", None)

    numbers = _parse_numbers(texts, counts, blank, delimiter)
    if numbers is not None:
        failed = int(counts[np.isnan(numbers) & ~blank].sum())
        filled = np.append(numbers, np.nan)
        column = pd.Series(filled[codes], index=values.index)
        return column, found, failed, _merged(numbers, counts, ~np.isnan(numbers))

    unchanged = as_text and bool((texts == uniques).all())
    distinct = (
        DistinctValues(texts[~blank], counts[~blank])
        if unchanged
        else _merged(texts, counts, ~blank)
    )
    if unchanged and not blank.any() and values.dtype == TEXT_DTYPE:
        # Nothing to strip or blank out: the parsed column is the result, and
        # copying it would cost as much again for a column of IDs.
        return values, found, 0, distinct
    texts[blank] = np.nan
    strings = pd.array(np.append(texts, np.nan), dtype="str")
    return pd.Series(strings.take(codes), index=values.index), found, 0, distinct


def _merged(values: np.ndarray, counts: np.ndarray, keep: np.ndarray) -> DistinctValues:
    # Cells that differed can be equal once stripped or parsed ('Google ' and
    # 'Google', '1.0' and '1').
    codes, uniques = pd.factorize(values[keep])
    totals = np.bincount(codes, weights=counts[keep], minlength=len(uniques))
    return DistinctValues(uniques, totals.astype(np.int64))


def _integer_distinct(values: pd.Series) -> DistinctValues | None:
    # Integers count several times faster than the floats they become; floats
    # are left to profiling, as are integers a float cannot hold exactly.
    array = values.to_numpy()
    if array.dtype.kind not in "iu" or len(array) == 0:
        return None
    if max(abs(int(array.min())), abs(int(array.max()))) > 2**53:
        return None
    codes, uniques = pd.factorize(array)
    counts = np.bincount(codes, minlength=len(uniques))
    return DistinctValues(uniques.astype("float64"), counts)


def is_placeholder(text: str) -> bool:
    """Return whether a stripped cell's text means "no value" ("n/a", "Select")."""
    return len(text) <= PLACEHOLDER_LENGTH and text.casefold() in PLACEHOLDERS


def _placeholder_mask(texts: np.ndarray) -> np.ndarray:
    # Only short texts can be placeholders; skipping the rest saves time on
    # columns with a million distinct values.
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    blank = lengths == 0
    for i in np.flatnonzero((lengths > 0) & (lengths <= PLACEHOLDER_LENGTH)):
        blank[i] = texts[i].casefold() in PLACEHOLDERS
    return blank


def _parse_numbers(
    texts: np.ndarray, counts: np.ndarray, blank: np.ndarray, delimiter: str | None
) -> np.ndarray | None:
    """Return a float per distinct text if (nearly) all of them are numbers."""
    filled = counts[~blank].sum()
    # Indexing the first filled texts only spares copying a million of them.
    sample = texts[np.flatnonzero(~blank)[:1000]]
    if filled == 0 or any(LEADING_ZERO_RE.match(t) for t in sample):
        return None
    if not _looks_numeric(sample[:200], delimiter):
        return None
    numbers = pd.to_numeric(pd.Series(texts), errors="coerce")
    numbers = numbers.to_numpy(float, copy=True)
    numbers[blank] = np.nan
    misfits = np.flatnonzero(np.isnan(numbers) & ~blank)
    if counts[misfits].sum() <= filled * MAX_UNPARSED_SHARE:
        return numbers

    decimal_comma = _uses_decimal_comma(texts[misfits], delimiter)
    trial = misfits[:200]
    cleaned = np.array([clean_number(t, decimal_comma) for t in texts[trial]])
    if np.isnan(cleaned).mean() > 0.5:
        return None
    numbers[misfits] = [clean_number(t, decimal_comma) for t in texts[misfits]]
    unparsed = counts[np.isnan(numbers) & ~blank].sum()
    return numbers if unparsed <= filled * MAX_UNPARSED_SHARE else None


def _looks_numeric(texts: np.ndarray, delimiter: str | None) -> bool:
    # A cheap look at a few values spares parsing a million e-mail addresses.
    decimal_comma = _uses_decimal_comma(texts, delimiter)
    parsed = [not np.isnan(clean_number(text, decimal_comma)) for text in texts]
    return np.mean(parsed) >= 0.5


def _uses_decimal_comma(texts: np.ndarray, delimiter: str | None) -> bool:
    with_comma = [t for t in texts if "," in t]
    if not with_comma or any(THOUSANDS_COMMA_RE.search(t) for t in with_comma):
        return False
    if any(DECIMAL_COMMA_RE.search(t.rstrip("%$€£¥ ")) for t in with_comma):
        return True
    # Only '1,234'-like values: a comma-separated file would quote them as
    # thousands; a ';' or tab file comes from a locale with decimal commas.
    return delimiter not in (",", None)


def clean_number(text: str, decimal_comma: bool = False) -> float:
    """Return the number in text like '$1,200', '€ 12', '12%' or '3,5', else NaN."""
    match = NUMBER_RE.match(text)
    if not match:
        return np.nan
    body = re.sub(r"[' \u00a0\u202f]", "", match["body"])
    if decimal_comma:
        body = body.replace(".", "").replace(",", ".")
    else:
        body = body.replace(",", "")
    sign = "-" if "-" in (match["sign"], match["sign2"]) else ""
    try:
        return float(sign + body)
    except ValueError:
        return np.nan
