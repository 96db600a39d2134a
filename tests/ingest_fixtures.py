"""Small deliveries for the ingest tests, written the way each wave's vendor writes them.

``respondents(wave, n)`` makes ``n`` valid respondents of a wave: every answer follows
the routing and the wave's code lists, every municipality is known in the wave's
numbering. The writers put them in a delivery folder as CSV (2018: windows-1252, ``;``,
CRLF, ``kommunenr`` as an integer), SPSS (2020) or Excel (2024). Deterministic: the same
call writes the same bytes (but for the timestamp SPSS puts in its header).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyreadstat

from pipelines.ingest.reference import build_reference
from pipelines.survey import codebook
from pipelines.survey import questionnaire as q

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO / "data" / "raw" / "reference"
BAD_DELIVERIES = REPO / "tests" / "data" / "bad_deliveries"

# Municipalities per numbering: (kommunenr, landsdel, kommune merged 2020, county merged 2020)
MUNICIPALITIES = {
    2019: [
        ("0301", "NO08", False, False),
        ("1103", "NO0A", True, False),
        ("1201", "NO0A", False, True),
        ("5001", "NO06", True, False),
        ("1902", "NO07", False, True),
        ("1001", "NO09", True, True),
        ("5061", "NO06", False, False),
        ("0602", "NO08", True, True),
    ],
    2024: [
        ("0301", "NO08", None, None),
        ("1103", "NO0A", None, None),
        ("4601", "NO0A", None, None),
        ("5001", "NO06", None, None),
        ("5501", "NO07", None, None),
        ("4204", "NO09", None, None),
        ("5061", "NO06", None, None),
        ("3301", "NO08", None, None),
    ],
}
# The 2018 numbering is the 2019 one with Rindal under its old code (as in ref_municipality).
MUNICIPALITIES[2018] = [
    ("1567", *rest) if code == "5061" else (code, *rest) for code, *rest in MUNICIPALITIES[2019]
]
FREE_TEXTS = (
    "Digital innsjekk på legekontoret",
    "Ny rutine for legemiddelhåndtering",
    "Velferdsteknologi i hjemmetjenesten – sensorer om natten",
    "Læringsbrett i første klasse",
    "Felles plattform for foreldremøter",
    "Ombygging av uteområdet, med brukermedvirkning",
)
LANDSDELER = ("NO02", "NO06", "NO07", "NO08", "NO09", "NO0A")
FIELDWORK_START = {2018: dt.datetime(2017, 10, 2, 9), 2020: dt.datetime(2019, 10, 15, 9)}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def respondents(wave: int, n: int) -> list[dict[str, object]]:
    """``n`` valid respondents: canonical name -> int code, str or datetime (absent =
    not asked or not routed)."""
    book = codebook.load(wave)
    types = book.allowed_codes("virksomhetstype")
    municipalities = MUNICIPALITIES[book.municipality_numbering]
    factors = [v.name for v in q.VARIABLES if v.name.startswith("f_") and book.asked(v.name)]
    rows = []
    for i in range(n):
        kind = types[i % len(types)]
        level = q.VIRKSOMHETSTYPER[kind][1]
        kommunenr, landsdel, kommune_merged, county_merged = municipalities[(i + i // 8) % 8]
        started = FIELDWORK_START.get(wave, dt.datetime(wave - 1, 10, 1, 9)) + dt.timedelta(
            hours=7 * i
        )
        row: dict[str, object] = {
            "resp_id": str(1001 + i),
            "kommunenr": kommunenr,
            "forvaltningsniva": level,
            "sektor": kind // 10,
            "virksomhetstype": kind,
            "ansatte": 1 + i % 5,
            "startet": started,
            "fullfort": started + dt.timedelta(minutes=10 + i % 15),
        }
        innovator = i % 3 != 0
        innovations = [2, 2, 2, 2] if innovator or i % 6 else [2, 9, 2, 2]
        if innovator:
            innovations[i % 4] = 1
        row |= dict(zip(q.INNOVATION_COLUMNS, innovations, strict=True))
        if innovator:
            newest = i % 4
            row |= {f"nyeste_{item}": int(k == newest) for k, item in enumerate(q.INNOVATION_TYPES)}
            row["kjerne"] = (1, 2, 3, 9)[i % 4]
            if row["kjerne"] in (1, 2):
                row["nyhet"] = 1 + i % 2
            row |= {name: 1 + (i + k) % 7 for k, name in enumerate(factors)}
            row["fritekst_nyeste"] = FREE_TEXTS[i % len(FREE_TEXTS)]
        else:
            row["utvikling"] = 1 + (i // 3) % 2
            if book.asked("storste_hemmer") and row["utvikling"] == 1:
                row["storste_hemmer"] = (1, 5, 10, 99)[i % 4]
        if book.asked("mislykket"):
            row["mislykket"] = (1, 2, 9)[i % 3]
            if row["mislykket"] == 1:
                row["mislykket_type"] = 1 + i % 4
                row |= {f"arsak_{item}": int((i + k) % 3 == 0) for k, item in enumerate(q.REASONS)}
        if book.asked("kultur_ideer"):
            row |= {
                f"kultur_{item}": (1, 2, 3, 4, 9)[(i + k) % 5]
                for k, item in enumerate(q.CULTURE_STATEMENTS)
            }
        merged = kommune_merged if level == 1 else county_merged
        if book.asked("reform_trykk") and merged:
            row["reform_trykk"] = (1, 2, 3, 9)[i % 4]
        rows.append({name: value for name, value in row.items() if book.asked(name)})
    return rows


def frame_rows(wave: int) -> list[dict[str, object]]:
    """A frame with every cell the wave weights on, so any respondent has its cell."""
    book = codebook.load(wave)
    if book.weighting_cells == ("sektor",):
        return [{"sektor": s, "n_population": 1000 + 100 * s} for s in book.allowed_codes("sektor")]
    return [
        {"virksomhetstype": t, "landsdel": land, "n_population": 50 + 3 * t + k}
        for t in book.allowed_codes("virksomhetstype")
        for k, land in enumerate(LANDSDELER)
    ]


def text(name: str, value: object, *, kommunenr_as_integer: bool = False) -> str:
    """A value as a CSV vendor writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    if name == "kommunenr" and kommunenr_as_integer:
        return str(int(value))
    return str(value)


def csv_lines(
    wave: int,
    rows: list[dict[str, object]],
    delimiter: str = ";",
    kommunenr_as_integer: bool = True,
) -> list[str]:
    """Header and rows as lines of delimited text, a field quoted only where it must be."""
    book = codebook.load(wave)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(book.columns)
    for row in rows:
        writer.writerow(
            text(canon, row.get(canon), kommunenr_as_integer=kommunenr_as_integer)
            for canon in book.columns.values()
        )
    return out.getvalue().splitlines()


def frame_csv(wave: int, cells: list[dict[str, object]] | None = None) -> str:
    book = codebook.load(wave)
    columns = [*book.weighting_cells, "n_population"]
    cells = frame_rows(wave) if cells is None else cells
    return (
        "\n".join([",".join(columns)] + [",".join(str(c[k]) for k in columns) for c in cells])
        + "\n"
    )


def write_csv_2018(folder: Path, rows: list[dict[str, object]]) -> Path:
    """The 2018 vendor's CSV: windows-1252, ``;``, CRLF, kommunenr an integer."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "responses.csv"
    path.write_bytes("".join(f"{line}\r\n" for line in csv_lines(2018, rows)).encode("cp1252"))
    (folder / "frame.csv").write_text(frame_csv(2018), encoding="utf-8")
    return path


def write_sav(
    folder: Path,
    wave: int,
    rows: list[dict[str, object]],
    labels: dict[str, dict[float, str] | None] | None = None,
) -> Path:
    """The 2020 vendor's SPSS file: numeric codes with value labels, string ids and
    municipality numbers, datetimes for the interview times. ``labels`` replaces the
    value labels of the raw columns it names (None: no labels)."""
    book = codebook.load(wave)
    folder.mkdir(parents=True, exist_ok=True)
    data = {}
    for raw, canon in book.columns.items():
        kind = q.variable(canon).kind
        values = [row.get(canon) for row in rows]
        if kind in ("code", "flag"):
            data[raw] = pd.array(
                [float("nan") if v is None else float(v) for v in values], dtype="float64"
            )
        elif kind == "timestamp":
            data[raw] = pd.to_datetime(values)
        else:
            data[raw] = ["" if v is None else str(v) for v in values]
    value_labels = {
        raw: {float(code): label for code, label in q.variable(canon).codes.items()}
        for raw, canon in book.columns.items()
        if q.variable(canon).codes
    } | (labels or {})
    value_labels = {raw: found for raw, found in value_labels.items() if found is not None}
    path = folder / "responses.sav"
    pyreadstat.write_sav(pd.DataFrame(data), path, variable_value_labels=value_labels)
    (folder / "frame.csv").write_text(frame_csv(wave), encoding="utf-8")
    return path


def write_xlsx(folder: Path, wave: int, rows: list[dict[str, object]]) -> Path:
    """The 2024 vendor's workbook: sheet ``Data`` with codes as floats (3.0), a second
    sheet ``Variabler`` with labels that ingest must ignore."""
    book = codebook.load(wave)
    folder.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(list(book.columns))
    for row in rows:
        cells = []
        for canon in book.columns.values():
            value = row.get(canon)
            if isinstance(value, int):
                value = float(value)
            cells.append(value)
        sheet.append(cells)
    labels = workbook.create_sheet("Variabler")
    labels.append(["variabel", "spørsmål"])
    for raw, canon in book.columns.items():
        labels.append([raw, q.variable(canon).question])
    path = folder / "responses.xlsx"
    workbook.save(path)
    (folder / "frame.csv").write_text(frame_csv(wave), encoding="utf-8")
    return path


def reference_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse file with the reference tables (what the lead's pipeline builds first)."""
    con = duckdb.connect(str(path))
    build_reference(con, REFERENCE_DIR)
    return con


def copy_warehouse(template: Path, target: Path) -> duckdb.DuckDBPyConnection:
    shutil.copyfile(template, target)
    return duckdb.connect(str(target))


def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every row of the four ingest tables, to compare a warehouse before and after."""
    return {
        table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        for table in ("responses", "frame", "quarantine", "routing_warnings")
    }


def point_pipeline_at(root: Path, monkeypatch) -> None:
    """Point `make run` (pipelines.orchestration.run) at folders under `root`: raw/ for the
    deliveries, marts/, private/warehouse.duckdb and home/ for a Dagster instance of the project's
    dagster.yaml."""
    home = root / "home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    for name, value in {
        "DAGSTER_HOME": home,
        "BAROMETER_DAGSTER_DIR": home / ".dagster",
        "BAROMETER_RAW_DIR": root / "raw",
        "BAROMETER_MARTS_DIR": root / "marts",
        "BAROMETER_WAREHOUSE": root / "private" / "warehouse.duckdb",
    }.items():
        monkeypatch.setenv(name, str(value))
