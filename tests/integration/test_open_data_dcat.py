"""`dcat.ttl` of a published version: conforms to the DCAT-AP-NO 2.0 shapes with no
violation and no warning, a planted defect is caught, a dataset per mart with a distribution
per format, and the same bytes every time it is made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from pipelines.publish.opendata import read_record
from pipelines.publish.opendata.dcat import (
    FORMATS,
    GOVERNMENT,
    KS,
    LOS_THEME,
    NLOD,
    RELEASES_URL,
    dcat_files,
)

PROJECT = Path(__file__).resolve().parents[2]
# as in CI: the standards sit beside the project, not in it
DCAT_AP_NO = PROJECT.parent / "shared" / "standards" / "dcat-ap-no"
EU = "http://publications.europa.eu/resource/authority/"
# The warnings the shapes may give and we accept. None: a new warning fails the test.
ACCEPTED_WARNINGS: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def record(published):
    return read_record(published / "wave=2020" / "v0001")


@pytest.fixture(scope="module")
def files(record) -> dict[str, bytes]:
    """Stand-ins for the version's other open-data files: only their names and sizes count."""
    made_up = {f"{mart}.jsonstat.json": b"{}" * (i + 1) for i, mart in enumerate(record.marts)}
    return {**made_up, "barometer-2020.xlsx": b"PK" * 500, "datapackage.json": b"{}\n"}


@pytest.fixture(scope="module")
def turtle(record, files) -> bytes:
    return dcat_files(record, files)["dcat.ttl"]


@pytest.fixture(scope="module")
def graph(turtle) -> Graph:
    return Graph().parse(data=turtle, format="turtle")


@pytest.fixture(scope="module")
def shacl():
    """The shapes and the ontologies data.norge.no's validator runs them with. RDFS inference
    as a validator does; the ontologies only import vocabularies (pySHACL does not fetch
    them), so it adds no class the shapes target."""
    shapes = Graph().parse(DCAT_AP_NO / "DCAT-AP-NO-shacl_shapes_2.00.ttl")
    ontologies = Graph().parse(DCAT_AP_NO / "ontologies.ttl")

    def run(data: Graph) -> Graph:
        _, report, _ = validate(
            data, shacl_graph=shapes, ont_graph=ontologies, inference="rdfs", advanced=True
        )
        return report

    return run


def _results(report: Graph, severity: URIRef) -> set[tuple[str, str]]:
    return {
        (
            str(report.value(result, ns.SH.resultPath)),
            str(report.value(result, ns.SH.resultMessage)),
        )
        for result in report.subjects(ns.SH.resultSeverity, severity)
    }


@pytest.fixture(scope="module")
def report(shacl, graph) -> Graph:
    return shacl(graph)


def test_conforms_to_dcat_ap_no_without_violations(report):
    assert _results(report, ns.SH.Violation) == set()
    assert _results(report, ns.SH.Warning) == ACCEPTED_WARNINGS
    assert _results(report, ns.SH.Info) == set()


def _first(graph: Graph, rdf_type: URIRef) -> URIRef:
    return sorted(graph.subjects(ns.RDF.type, rdf_type))[0]


# defect -> (the triples it removes, the path the violation is reported at)
DEFECTS = {
    "dataset-without-publisher": (
        lambda g: (_first(g, ns.DCAT.Dataset), ns.DCTERMS.publisher, None),
        ns.DCTERMS.publisher,
    ),
    "dataset-without-title": (
        lambda g: (_first(g, ns.DCAT.Dataset), ns.DCTERMS.title, None),
        ns.DCTERMS.title,
    ),
    "distribution-without-accessURL": (
        lambda g: (_first(g, ns.DCAT.Distribution), ns.DCAT.accessURL, None),
        ns.DCAT.accessURL,
    ),
    "catalog-without-identifier": (
        lambda g: (_first(g, ns.DCAT.Catalog), ns.DCTERMS.identifier, None),
        ns.DCTERMS.identifier,
    ),
    # a licence no longer known to be from the EU licence vocabulary
    "licence-without-scheme": (lambda g: (NLOD, ns.SKOS.inScheme, None), ns.DCTERMS.license),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_planted_defect_is_a_violation(shacl, graph, defect):
    pattern, path = DEFECTS[defect]
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    broken.remove(pattern(graph))
    assert str(path) in {p for p, _ in _results(shacl(broken), ns.SH.Violation)}


def test_a_dataset_per_mart_and_a_distribution_per_format(graph, record, files):
    (catalog,) = graph.subjects(ns.RDF.type, ns.DCAT.Catalog)
    datasets = set(graph.objects(catalog, ns.DCAT.dataset))
    assert datasets == set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert len(datasets) == len(record.marts) == 7
    version = f"{RELEASES_URL}wave=2020/v0001/"
    for mart in record.marts:
        (dataset,) = (d for d in datasets if str(d).endswith(f"#dataset-{mart}"))
        assert graph.value(dataset, ns.DCTERMS.publisher) == KS
        assert set(graph.objects(dataset, ns.DCAT.theme)) == {GOVERNMENT, LOS_THEME}
        assert {t.language for t in graph.objects(dataset, ns.DCTERMS.title)} == {"nb", "en"}
        distributions = list(graph.objects(dataset, ns.DCAT.distribution))
        formats = {graph.value(d, ns.DCTERMS.format) for d in distributions}
        assert len(distributions) == len(FORMATS) == 3
        assert formats == {URIRef(EU + f"file-type/{t}") for t in ("PARQUET", "JSON", "XLSX")}
        downloads = {str(graph.value(d, ns.DCAT.downloadURL)): d for d in distributions}
        assert set(downloads) == {
            f"{version}{mart}.parquet",
            f"{version}{mart}.jsonstat.json",
            f"{version}barometer-2020.xlsx",
        }
        (entry,) = (e for e in record.parquet if e["mart"] == mart)
        sizes = {
            url: int(graph.value(d, ns.DCAT.byteSize).toPython()) for url, d in downloads.items()
        }
        assert sizes[f"{version}{mart}.parquet"] == entry["bytes"]
        assert sizes[f"{version}{mart}.jsonstat.json"] == len(files[f"{mart}.jsonstat.json"])
        assert sizes[f"{version}barometer-2020.xlsx"] == 1000
        assert {graph.value(d, ns.DCTERMS.license) for d in distributions} == {NLOD}


def test_version_dates_and_period(graph, record, turtle):
    (dataset,) = graph.subjects(
        ns.DCTERMS.title,
        Literal(
            "Innovation barometer 2020: Factors that promoted and inhibited innovation", lang="en"
        ),
    )
    created = datetime.fromisoformat(record.created)
    assert graph.value(dataset, ns.DCTERMS.issued).toPython() == created
    assert graph.value(dataset, ns.DCTERMS.modified).toPython() == created
    # written as the manifest writes it
    assert f'"{record.created}"^^xsd:dateTime'.encode() in turtle
    period = graph.value(dataset, ns.DCTERMS.temporal)
    assert str(graph.value(period, ns.DCAT.startDate)) == "2020-01-01"
    assert str(graph.value(period, ns.DCAT.endDate)) == "2020-12-31"


def test_same_record_and_files_same_bytes(record, files, turtle, published):
    assert dcat_files(read_record(record.folder), dict(files))["dcat.ttl"] == turtle
    other = read_record(published / "wave=2018" / "v0001")
    other_files = {f"{m}.jsonstat.json": b"{}" for m in other.marts}
    other_files["barometer-2018.xlsx"] = b"PK"
    assert dcat_files(other, other_files)["dcat.ttl"] != turtle


# in another interpreter, whose string hashes (and so the order of rdflib's sets) differ
REBUILD = """
import json, sys
from pathlib import Path
from pipelines.publish.opendata import read_record
from pipelines.publish.opendata.dcat import dcat_files
files = {name: bytes.fromhex(data) for name, data in json.loads(sys.argv[2]).items()}
sys.stdout.buffer.write(dcat_files(read_record(Path(sys.argv[1])), files)["dcat.ttl"])
"""


@pytest.mark.parametrize("seed", ["1", "2"])
def test_same_bytes_in_another_process(record, files, turtle, seed):
    given = json.dumps({name: data.hex() for name, data in files.items()})
    rebuilt = subprocess.run(
        [sys.executable, "-c", REBUILD, str(record.folder), given],
        cwd=PROJECT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        check=True,
    ).stdout
    assert rebuilt == turtle


def test_a_file_not_given_is_an_error(record, files):
    incomplete = {name: data for name, data in files.items() if not name.endswith(".xlsx")}
    with pytest.raises(KeyError, match="barometer-2020.xlsx"):
        dcat_files(record, incomplete)
