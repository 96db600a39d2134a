"""Writers of a responses file in the vendors' formats (delivery contract §1).

A writer takes chunks of canonical columns and writes them under the codebook's raw
column names: codes are floats with NaN for empty, ``kommunenr`` a 4-character string,
``startet``/``fullfort`` datetime64. CSV streams chunk by chunk; xlsx streams through
openpyxl's write-only mode; SPSS has no appending writer, so a .sav is written whole.
Output is byte-identical for the same input: the dates the formats record (xlsx document
properties and zip entries, the SPSS header) are the end of the wave's fieldwork.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from pipelines.survey import questionnaire
from pipelines.survey.codebook import Codebook
from sample.profiles import Profile

FORMATS = ("csv", "sav", "xlsx")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
Chunk = dict[str, np.ndarray]


class DeliveryWriter:
    def __init__(self, path: Path, book: Codebook, profile: Profile, extra_column: str | None):
        self.path = path
        self.book = book
        self.profile = profile
        self.extra_column = extra_column

    def write(self, chunk: Chunk, extra: np.ndarray | None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def render(self, canonical: str, value: object) -> str:
        """``value`` of a canonical column as the file shows it (for the defects list)."""
        kind = questionnaire.variable(canonical).kind
        if kind in ("code", "flag"):
            return str(int(value))
        if kind == "timestamp":
            return pd.Timestamp(value).strftime(TIMESTAMP_FORMAT)
        return str(value)

    def _kind(self, canonical: str) -> str:
        return questionnaire.variable(canonical).kind


class CsvWriter(DeliveryWriter):
    def __init__(self, *args):
        super().__init__(*args)
        dialect = self.profile.csv
        self.handle = open(self.path, "w", encoding=dialect.encoding, newline="")  # noqa: SIM115
        self.header = True

    def write(self, chunk: Chunk, extra: np.ndarray | None) -> None:
        data = {}
        for raw, canonical in self.book.columns.items():
            values = chunk[canonical]
            kind = self._kind(canonical)
            if kind in ("code", "flag"):
                data[raw] = pd.array(values, dtype="Int64")
            elif kind == "municipality" and self.profile.csv.kommunenr_as_integer:
                data[raw] = values.astype(np.int64)
            else:
                data[raw] = values
        if extra is not None:
            data[self.extra_column] = extra
        dialect = self.profile.csv
        pd.DataFrame(data).to_csv(
            self.handle,
            sep=dialect.delimiter,
            index=False,
            header=self.header,
            lineterminator=dialect.line_end,
            date_format=TIMESTAMP_FORMAT,
        )
        self.header = False

    def close(self) -> None:
        self.handle.close()

    def render(self, canonical: str, value: object) -> str:
        if self._kind(canonical) == "municipality" and self.profile.csv.kommunenr_as_integer:
            return str(int(value))
        return super().render(canonical, value)


class SavWriter(DeliveryWriter):
    def __init__(self, *args):
        super().__init__(*args)
        self.frames: list[pd.DataFrame] = []

    def write(self, chunk: Chunk, extra: np.ndarray | None) -> None:
        data = {}
        for raw, canonical in self.book.columns.items():
            values = chunk[canonical]
            kind = self._kind(canonical)
            if kind == "timestamp":
                # pyreadstat writes only nanosecond datetimes correctly
                data[raw] = values.astype("datetime64[ns]")
            elif kind == "text":
                data[raw] = np.where(pd.isna(values), "", values)
            else:
                data[raw] = values
        if extra is not None:
            data[self.extra_column] = extra
        self.frames.append(pd.DataFrame(data))

    def close(self) -> None:
        codes = {
            raw: canonical
            for raw, canonical in self.book.columns.items()
            if self._kind(canonical) in ("code", "flag")
        }
        labels = {
            raw: {
                float(code): questionnaire.variable(canonical).codes[code]
                for code in self.book.allowed_codes(canonical)
            }
            for raw, canonical in codes.items()
        }
        pyreadstat.write_sav(
            pd.concat(self.frames, ignore_index=True),
            self.path,
            file_label=f"KS Innovasjonsbarometeret {self.profile.wave} (syntetisk)",
            column_labels={
                raw: questionnaire.variable(canonical).question
                for raw, canonical in self.book.columns.items()
            },
            variable_value_labels=labels,
            variable_format={raw: "F2.0" for raw in codes},
            variable_measure={raw: "nominal" for raw in codes},
            row_compress=True,
        )
        _stamp_sav_header(self.path, self.profile.fieldwork[1])


class XlsxWriter(DeliveryWriter):
    """Sheet `Data` with the rows, sheet `Variabler` with the labels.

    Like a pandas export, a numeric column with an empty cell is written as floats
    (``3.0``); complete columns as integers.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.workbook = Workbook(write_only=True)
        self.data = self.workbook.create_sheet("Data")
        header = list(self.book.columns)
        self.data.append([*header, self.extra_column] if self.extra_column else header)
        self.float_columns: set[str] = set()

    def write(self, chunk: Chunk, extra: np.ndarray | None) -> None:
        columns = []
        for canonical in self.book.columns.values():
            values = chunk[canonical]
            kind = self._kind(canonical)
            if kind in ("code", "flag"):
                if np.isnan(values).any():
                    self.float_columns.add(canonical)
                    columns.append([self._float_cell(v) for v in values])
                else:
                    columns.append(values.astype(np.int64).tolist())
            elif kind == "timestamp":
                columns.append(values.astype("datetime64[s]").astype(object).tolist())
            else:
                columns.append([None if v is None else str(v) for v in values])
        if extra is not None:
            columns.append(list(extra))
        for row in zip(*columns, strict=True):
            self.data.append(row)

    def _float_cell(self, value: float) -> WriteOnlyCell | None:
        if math.isnan(value):
            return None
        # openpyxl writes 3.0 as "3"; a numeric cell holding the text keeps the ".0".
        cell = WriteOnlyCell(self.data, value=f"{value:.1f}")
        cell.data_type = "n"
        return cell

    def close(self) -> None:
        sheet = self.workbook.create_sheet("Variabler")
        sheet.append(["variabel", "spørsmål", "verdier"])
        for raw, canonical in self.book.columns.items():
            variable = questionnaire.variable(canonical)
            values = "; ".join(
                f"{code} = {variable.codes[code]}" for code in self.book.allowed_codes(canonical)
            )
            sheet.append([raw, variable.question, values])
        # Fixed document dates and zip entry times make the file byte-identical.
        stamp = self.profile.fieldwork[1]
        self.workbook.properties.creator = "KS Innovasjonsbarometeret (syntetisk utvalg)"
        self.workbook.properties.created = stamp
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        _rezip(buffer, self.path, stamp)

    def render(self, canonical: str, value: object) -> str:
        if canonical in self.float_columns:
            return f"{value:.1f}"
        return super().render(canonical, value)


# The SPSS system-file header records when it was written, as English "dd Mmm yy" and
# "hh:mm:ss" at a fixed offset; pyreadstat always writes the current time there.
_SAV_MAGIC = (b"$FL2", b"$FL3")
_SAV_CREATED_AT = 92
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _stamp_sav_header(path: Path, stamp: datetime) -> None:
    created = f"{stamp:%d} {_MONTHS[stamp.month - 1]} {stamp:%y}{stamp:%H:%M:%S}".encode()
    with path.open("r+b") as f:
        if f.read(4) not in _SAV_MAGIC:
            raise ValueError(f"{path}: not an SPSS system file")
        f.seek(_SAV_CREATED_AT)
        f.write(created)


def _rezip(buffer: io.BytesIO, path: Path, stamp: datetime) -> None:
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + iso, data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)


WRITERS = {"csv": CsvWriter, "sav": SavWriter, "xlsx": XlsxWriter}


def open_writer(
    fmt: str, path: Path, book: Codebook, profile: Profile, extra_column: str | None
) -> DeliveryWriter:
    return WRITERS[fmt](path, book, profile, extra_column)
