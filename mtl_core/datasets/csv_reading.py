"""Reading a CSV file into a table of text cells, and reading numbers from those cells.

The first steps of :func:`~mtl_core.datasets.tasks_from_csv`: get the bytes of a
path, bytes or file-like (within the size limit), decode them as UTF-8, and parse
the header and the rows with every cell kept as text, so that the later steps
can say exactly which cell is wrong.  Every problem is a :class:`DataFileError`
with a text from the message catalogue.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .messages import (
    KIND_ARGUMENT,
    KIND_DUPLICATE_COLUMNS,
    KIND_EMPTY,
    KIND_ENCODING,
    KIND_PARSE,
    KIND_TOO_LARGE,
    KIND_UNREADABLE,
    DataFileError,
    msg_duplicate_columns,
    msg_empty,
    msg_encoding,
    msg_parse,
    msg_too_large,
    msg_unreadable,
)

__all__ = [
    "DELIMITERS", "NA_TOKENS", "CsvTable", "column_to_float", "detect_delimiter", "fmt_number", "read_bytes",
    "read_table", "read_text", "to_float",
]

#: The separators a spreadsheet saves CSV text with: comma, semicolon (where the comma is the
#: decimal mark, e.g. most of Europe) and tab.  The first is the default when the header is ambiguous.
DELIMITERS = (",", ";", "\t")
# A number written with a decimal comma ("1,5", "-0,25", ",5", "1,5e3"): seen in a
# semicolon- or tab-separated file, it makes the comma the file's decimal mark.
_DECIMAL_COMMA = r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?"

# Cell texts read as "missing" in the label and feature columns (as in pandas).
# The task column only treats an empty cell as missing, so a task may be called "NA".
NA_TOKENS = frozenset(
    {"", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "-NaN", "NAN", "null", "NULL", "Null",
     "None", "none", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN", "<NA>"}
)


def read_text(file: Any, max_bytes: int) -> tuple[str, str | None]:
    """The file's text (UTF-8, without a byte-order mark) and its name (None for bytes).

    Raises a :class:`DataFileError` for a file that is too large, unreadable, not
    UTF-8 text, or empty (blank lines only count as empty).
    """
    raw, file_name = read_bytes(file, max_bytes)
    text = _decode(raw)
    if not text.strip():
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=False))
    return text, file_name


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as text cells, with the separator and decimal mark it was read with."""

    header: list[str]  # column names, stripped of surrounding spaces
    rows: pd.DataFrame  # every cell as text, columns named by the header
    delimiter: str  # one of DELIMITERS
    decimal_mark: str  # "." or ","


def detect_delimiter(text: str) -> str:
    """The separator of CSV ``text``: the one of `DELIMITERS` that splits the header row into the most fields.

    Ties (e.g. a one-column file) go to the comma.  A comma-separated header whose
    names contain semicolons still splits into more fields at the commas.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_fields = DELIMITERS[0], 1
    for delimiter in DELIMITERS:
        try:
            fields = len(next(csv.reader([first], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if fields > best_fields:
            best, best_fields = delimiter, fields
    return best


def _decimal_mark(rows: pd.DataFrame, delimiter: str) -> str:
    """"," if the file is not comma-separated and some cell is a number written with a decimal comma, else "."."""
    if delimiter == ",":
        return "."
    for col in range(rows.shape[1]):
        if rows.iloc[:, col].str.strip().str.fullmatch(_DECIMAL_COMMA).any():
            return ","
    return "."


def read_table(text: str) -> CsvTable:
    """The header (names stripped of surrounding spaces) and the rows, every cell as text.

    The separator is detected from the header row (`detect_delimiter`): comma,
    semicolon or tab; in a semicolon- or tab-separated file a cell like "1,5" makes
    the comma the decimal mark (what a European spreadsheet saves).  The header is
    read with the csv module first, so that duplicate names are reported as the
    user wrote them (pandas would rename them "x.1").  An empty cell stays "" here:
    which cells count as missing depends on the column's role, and that is decided
    later.
    """
    delimiter = detect_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline=None), delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise DataFileError(KIND_PARSE, msg_parse(str(exc))) from None
    header = [h.strip() for h in header]
    seen, dupes = set(), []
    for h in header:
        if h in seen and h not in dupes and h != "":
            dupes.append(h)
        seen.add(h)
    if dupes:
        raise DataFileError(KIND_DUPLICATE_COLUMNS, msg_duplicate_columns(dupes))
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=True,
            header=0,
        )
    except pd.errors.EmptyDataError:
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=False)) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataFileError(KIND_PARSE, msg_parse(detail)) from None
    if len(df.columns) != len(header):  # cannot happen with the C parser; be safe
        raise DataFileError(KIND_PARSE, msg_parse("the header could not be read."))
    df.columns = header
    if len(df) == 0:
        raise DataFileError(KIND_EMPTY, msg_empty(header_only=True))
    return CsvTable(header=header, rows=df, delimiter=delimiter, decimal_mark=_decimal_mark(df, delimiter))


def read_bytes(file: Any, max_bytes: int) -> tuple[bytes | str, str | None]:
    """The raw content (bytes, or str for a text file-like) and the file's name.

    A path, bytes or a file-like (read from its start); a :class:`DataFileError`
    for a file that is too large or cannot be read.  Shared by every file loader.
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
        if len(data) > max_bytes:
            raise DataFileError(KIND_TOO_LARGE, msg_too_large(len(data), max_bytes))
        return data, None
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        name = os.path.basename(path)
        try:
            size = os.path.getsize(path)
            if size > max_bytes:
                raise DataFileError(KIND_TOO_LARGE, msg_too_large(size, max_bytes))
            with open(path, "rb") as fh:
                return fh.read(max_bytes + 1), name
        except OSError as exc:
            raise DataFileError(KIND_UNREADABLE, msg_unreadable(exc.strerror or str(exc))) from None
    if hasattr(file, "read"):
        name = getattr(file, "name", None)
        name = os.path.basename(name) if isinstance(name, str) else None
        size = getattr(file, "size", None)
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size > max_bytes:
            raise DataFileError(KIND_TOO_LARGE, msg_too_large(int(size), max_bytes))
        # Streamlit re-runs the script with the same UploadedFile: read from the start
        try:
            if getattr(file, "seekable", lambda: False)():
                file.seek(0)
        except (OSError, ValueError):
            pass
        try:
            data = file.read(max_bytes + 1)
        except UnicodeDecodeError:
            raise DataFileError(KIND_ENCODING, msg_encoding()) from None
        except (OSError, ValueError) as exc:
            raise DataFileError(KIND_UNREADABLE, msg_unreadable(str(exc))) from None
        if isinstance(data, str):
            n = len(data.encode("utf-8", errors="surrogatepass"))
            if n > max_bytes:
                raise DataFileError(KIND_TOO_LARGE, msg_too_large(n, max_bytes))
            return data, name
        if not isinstance(data, (bytes, bytearray)):
            raise DataFileError(KIND_ARGUMENT, f"file.read() must return bytes or str, got {type(data).__name__}.")
        data = bytes(data)
        if len(data) > max_bytes:
            raise DataFileError(KIND_TOO_LARGE, msg_too_large(len(data), max_bytes))
        return data, name
    raise DataFileError(
        KIND_ARGUMENT, f"file must be a path, bytes or a file-like object, got {type(file).__name__}."
    )


def _decode(raw: bytes | str) -> str:
    """UTF-8 text (a byte-order mark is removed); anything else is rejected."""
    if isinstance(raw, str):
        text = raw[1:] if raw.startswith("\ufeff") else raw
    else:
        try:
            text = raw.decode("utf-8-sig")  # plain UTF-8, with or without a BOM
        except UnicodeDecodeError:
            raise DataFileError(KIND_ENCODING, msg_encoding()) from None
    # NUL characters never occur in CSV text, but fill UTF-16 files and binaries
    if "\x00" in text:
        raise DataFileError(KIND_ENCODING, msg_encoding())
    return text


def to_float(value: Any, decimal_mark: str = ".") -> float | None:
    """A cell as float (NaN for a missing cell), or None if it is not a number.

    With ``decimal_mark=","`` a comma is read as the decimal point ("1,5" is 1.5);
    a dot still is one ("1.5"), since no thousands separator is accepted.
    """
    if not isinstance(value, str):  # already missing (NaN)
        return math.nan
    s = value.strip()
    if s in NA_TOKENS:
        return math.nan
    if decimal_mark == "," and "." not in s:
        s = s.replace(",", ".", 1)
    try:
        return float(s)  # correctly rounded: CSV values round-trip exactly
    except ValueError:
        return None


def column_to_float(values: np.ndarray, decimal_mark: str = ".") -> tuple[np.ndarray, str | None]:
    """A column of str/NaN cells as floats, and the first non-numeric cell (or None)."""
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        f = to_float(v, decimal_mark)
        if f is None:
            return out, str(v).strip()
        out[i] = f
    return out, None


def fmt_number(v: float) -> str:
    """A label value as text: a whole number without ".0" (labels 1.0 and 1 both read "1")."""
    if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))
