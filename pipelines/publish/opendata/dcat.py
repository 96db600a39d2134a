"""`dcat.ttl`: the DCAT-AP-NO 2.0 catalogue entry of a release version, for data.norge.no.

One `dcat:Catalog` for the version (data.norge.no harvests catalogues, and DCAT-AP-NO gives a
catalogue its publisher, title and identifier), one `dcat:Dataset` per published mart, and per
dataset one `dcat:Distribution` per format: the mart's Parquet file, its JSON-stat file and
the wave's workbook, which holds the mart as one of its sheets.

Every node has an IRI under the version's address, so no blank node (whose label rdflib draws
at random) reaches the file, and rdflib's Turtle serializer, which sorts subjects and
predicates, writes the same bytes for the same record and files.

The DCAT-AP-NO shapes check a controlled vocabulary (licence, file type, access right, data
theme, country, language) by the concept's `skos:inScheme`; the file states the scheme of every
such concept it uses, so it validates on its own, as it would against data.norge.no's copy of
the EU vocabularies.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from pipelines.marts.measures import MART, description
from pipelines.publish.opendata import ReleaseRecord, datapackage
from pipelines.publish.opendata.presentation import MART_LABELS, MART_LABELS_EN

DCAT_TTL = "dcat.ttl"
# The address the releases folder (`marts/`, holding `wave=W/vNNNN/`) is served at: a version's
# files are at RELEASES_URL + "wave=W/vNNNN/<file>".
RELEASES_URL = "https://www.ks.no/innovasjonsbarometeret/data/"
LANDING_PAGE = URIRef(datapackage.LANDING_PAGE)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

KS = URIRef("https://data.brreg.no/enhetsregisteret/api/enheter/971032146")
KS_ORGANISATION_NUMBER = "971032146"
NLOD = URIRef(EU + "licence/NLOD_2_0")
PUBLIC = URIRef(EU + "access-right/PUBLIC")
NORWAY = URIRef(EU + "country/NOR")
BOKMAL = URIRef(EU + "language/NOB")
# EU data theme "Government and public sector"
GOVERNMENT = URIRef(EU + "data-theme/GOVE")
# LOS (the Norwegian public sector's theme vocabulary) has no theme of its own for
# public-sector innovation: its theme for governance and administration, which Digdir's own
# catalogue metadata uses for its models
LOS_THEME = URIRef("https://psi.norge.no/los/tema/styring-og-administrasjon")


@dataclass(frozen=True)
class Format:
    key: str
    file_type: URIRef
    media_type: URIRef
    nb: str
    en: str


PARQUET = Format(
    "parquet",
    URIRef(EU + "file-type/PARQUET"),
    URIRef(IANA + "application/vnd.apache.parquet"),
    "Parquet-fil med tabellen",
    "Parquet file of the table",
)
JSONSTAT = Format(
    "jsonstat",
    URIRef(EU + "file-type/JSON"),
    URIRef(IANA + "application/json"),
    "JSON-stat 2.0-datasett med tabellen",
    "JSON-stat 2.0 dataset of the table",
)
XLSX = Format(
    "xlsx",
    URIRef(EU + "file-type/XLSX"),
    URIRef(IANA + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "Excel-arbeidsbok med alle tabellene fra bølgen; tabellen er ett av arkene",
    "Excel workbook of all the wave's tables; the table is one of its sheets",
)
FORMATS = (PARQUET, JSONSTAT, XLSX)
JSONSTAT_STANDARD = URIRef("https://json-stat.org/format/")

# The concepts of EU controlled vocabularies the file uses, and their schemes.
SCHEMES = {
    NLOD: URIRef(EU + "licence"),
    PUBLIC: URIRef(EU + "access-right"),
    NORWAY: URIRef(EU + "country"),
    BOKMAL: URIRef(EU + "language"),
    GOVERNMENT: URIRef(EU + "data-theme"),
    **{f.file_type: URIRef(EU + "file-type") for f in FORMATS},
}

# The marts in Norwegian, as the report words them.
NB_COMPARISONS = {
    "changes": "Endringen i hvert anslag fra hver tidligere publiserte bølge, med standardfeil, "
    "95 % konfidensintervall og p-verdi.",
    "differences": "Wald-test av om gruppene i hver tabell er like, trendtest for ordnede "
    "grupper og Benjamini–Hochberg-justerte q-verdier.",
}


def dcat_files(record: ReleaseRecord, files: dict[str, bytes]) -> dict[str, bytes]:
    """`dcat.ttl` of the version. ``files`` are its other open-data files by name: the
    JSON-stat file of every mart and the wave's workbook (their sizes are in the file), and
    `datapackage.json`, linked from the Parquet distributions when given."""
    needed = {_file_name(record, mart, fmt) for mart in record.marts for fmt in (JSONSTAT, XLSX)}
    if missing := sorted(needed - set(files)):
        raise KeyError(f"dcat.ttl describes files that were not given: {missing}")
    graph = _graph()
    catalog = _node(record, "catalog")
    _catalog(graph, record, catalog)
    for mart in record.marts:
        dataset = _node(record, f"dataset-{mart}")
        graph.add((catalog, DCAT.dataset, dataset))
        _dataset(graph, record, mart, dataset)
        for fmt in FORMATS:
            _distribution(graph, record, mart, fmt, dataset, files)
    _shared_nodes(graph, record)
    return {DCAT_TTL: graph.serialize(format="turtle").encode()}


def version_url(record: ReleaseRecord) -> str:
    return f"{RELEASES_URL}wave={record.wave}/{record.version}/"


def _node(record: ReleaseRecord, fragment: str) -> URIRef:
    return URIRef(f"{version_url(record)}{DCAT_TTL}#{fragment}")


def _file_name(record: ReleaseRecord, mart: str, fmt: Format) -> str:
    if fmt is PARQUET:
        (entry,) = (e for e in record.parquet if e["mart"] == mart)
        return entry["path"]
    if fmt is JSONSTAT:
        return f"{mart}.jsonstat.json"
    return f"barometer-{record.wave}.xlsx"


def _graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("owl", OWL),
        ("rdf", RDF),
        ("skos", SKOS),
        ("vcard", VCARD),
        ("xsd", XSD),
    ):
        graph.bind(prefix, namespace)
    return graph


def _texts(graph: Graph, node: URIRef, predicate: URIRef, nb: str, en: str) -> None:
    graph.add((node, predicate, Literal(nb, lang="nb")))
    graph.add((node, predicate, Literal(en, lang="en")))


def _dates(graph: Graph, record: ReleaseRecord, node: URIRef) -> None:
    # as the manifest writes it ("...Z"), not as rdflib would normalise it ("...+00:00")
    created = Literal(record.created, datatype=XSD.dateTime, normalize=False)
    graph.add((node, DCTERMS.issued, created))
    graph.add((node, DCTERMS.modified, created))


def _catalog(graph: Graph, record: ReleaseRecord, catalog: URIRef) -> None:
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.identifier, Literal(str(catalog))))
    _texts(
        graph,
        catalog,
        DCTERMS.title,
        f"KS Innovasjonsbarometeret {record.wave}, versjon {record.version}",
        f"KS Innovasjonsbarometeret {record.wave}, release {record.version}",
    )
    _texts(
        graph,
        catalog,
        DCTERMS.description,
        f"Tabellene KS publiserer fra Innovasjonsbarometeret {record.wave}, en "
        "spørreundersøkelse om innovasjon i kommuner og fylkeskommuner.",
        f"The tables KS publishes from the {record.wave} wave of Innovasjonsbarometeret, a "
        "survey of innovation in Norwegian municipalities and counties.",
    )
    graph.add((catalog, DCTERMS.publisher, KS))
    graph.add((catalog, FOAF.homepage, LANDING_PAGE))
    graph.add((catalog, DCTERMS.license, NLOD))
    graph.add((catalog, DCTERMS.language, BOKMAL))
    graph.add((catalog, DCTERMS.spatial, NORWAY))
    _dates(graph, record, catalog)


def _dataset(graph: Graph, record: ReleaseRecord, mart: str, dataset: URIRef) -> None:
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    _texts(
        graph,
        dataset,
        DCTERMS.title,
        f"Innovasjonsbarometeret {record.wave}: {MART_LABELS[mart]}",
        f"Innovation barometer {record.wave}: {MART_LABELS_EN[mart]}",
    )
    _texts(graph, dataset, DCTERMS.description, _nb_description(mart), description(mart))
    graph.add((dataset, DCTERMS.publisher, KS))
    graph.add((dataset, DCAT.contactPoint, _node(record, "contact")))
    graph.add((dataset, DCAT.theme, GOVERNMENT))
    graph.add((dataset, DCAT.theme, LOS_THEME))
    graph.add((dataset, DCTERMS.temporal, _node(record, f"year-{record.wave}")))
    graph.add((dataset, DCTERMS.spatial, NORWAY))
    graph.add((dataset, DCTERMS.language, BOKMAL))
    graph.add((dataset, DCTERMS.accessRights, PUBLIC))
    graph.add((dataset, DCTERMS.license, NLOD))
    graph.add((dataset, DCAT.landingPage, LANDING_PAGE))
    # DCAT-AP-NO's shapes check owl:versionInfo; DCAT-AP's ADMS term says the same
    graph.add((dataset, OWL.versionInfo, Literal(record.version)))
    graph.add((dataset, ADMS.versionInfo, Literal(record.version)))
    _dates(graph, record, dataset)
    for keyword in ("innovasjon", "kommunesektoren", "spørreundersøkelse"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="nb")))
    for keyword in ("innovation", "public sector", "survey"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))


def _nb_description(mart: str) -> str:
    if mart in NB_COMPARISONS:
        return NB_COMPARISONS[mart]
    labels = "; ".join(measure.label for measure in MART[mart].measures)
    return f"Vektede anslag med 95 % konfidensintervall etter bakgrunnsvariabler. Mål: {labels}."


def _distribution(
    graph: Graph,
    record: ReleaseRecord,
    mart: str,
    fmt: Format,
    dataset: URIRef,
    files: dict[str, bytes],
) -> None:
    name = _file_name(record, mart, fmt)
    distribution = _node(record, f"distribution-{mart}-{fmt.key}")
    url = URIRef(version_url(record) + name)
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    _texts(graph, distribution, DCTERMS.title, f"{name} ({mart})", f"{name} ({mart})")
    _texts(graph, distribution, DCTERMS.description, fmt.nb, fmt.en)
    graph.add((distribution, DCAT.accessURL, url))
    graph.add((distribution, DCAT.downloadURL, url))
    graph.add((distribution, DCTERMS.format, fmt.file_type))
    graph.add((distribution, DCAT.mediaType, fmt.media_type))
    graph.add((distribution, DCTERMS.license, NLOD))
    size = _size(record, name, files)
    # the shapes want xsd:decimal; from an int rdflib would write "12197.0"
    graph.add((distribution, DCAT.byteSize, Literal(str(size), datatype=XSD.decimal)))
    _dates(graph, record, distribution)
    if fmt is JSONSTAT:
        graph.add((distribution, DCTERMS.conformsTo, JSONSTAT_STANDARD))
    if fmt is PARQUET and datapackage.DATAPACKAGE in files:
        # the Data Package describes the Parquet file's columns, types and key
        graph.add((distribution, FOAF.page, URIRef(version_url(record) + datapackage.DATAPACKAGE)))


def _size(record: ReleaseRecord, name: str, files: dict[str, bytes]) -> int:
    for entry in record.parquet:
        if entry["path"] == name:
            return entry["bytes"]
    return len(files[name])


def _shared_nodes(graph: Graph, record: ReleaseRecord) -> None:
    """The publisher, contact point, period and standards the datasets point to, and the
    schemes of the controlled vocabularies' concepts."""
    graph.add((KS, RDF.type, FOAF.Agent))
    graph.add((KS, DCTERMS.identifier, Literal(KS_ORGANISATION_NUMBER)))
    graph.add((KS, FOAF.name, Literal("KS")))
    contact = _node(record, "contact")
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal("KS")))
    graph.add((contact, VCARD.hasEmail, URIRef("mailto:postmottak@ks.no")))
    graph.add((contact, VCARD.hasURL, URIRef("https://www.ks.no/")))
    period = _node(record, f"year-{record.wave}")
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal(f"{record.wave}-01-01", datatype=XSD.date)))
    graph.add((period, DCAT.endDate, Literal(f"{record.wave}-12-31", datatype=XSD.date)))
    graph.add((JSONSTAT_STANDARD, RDF.type, DCTERMS.Standard))
    graph.add((JSONSTAT_STANDARD, DCTERMS.title, Literal("JSON-stat 2.0", lang="en")))
    for concept, scheme in SCHEMES.items():
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.inScheme, scheme))
