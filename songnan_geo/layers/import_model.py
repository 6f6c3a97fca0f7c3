"""Import results and options: the data classes every import module shares, the limits.

What the planner chose (:class:`ImportOptions`), where the import goes (:class:`LayerTarget`),
what was found (:class:`ImportResult`, :class:`Offer`), the file limits and formats, and
small helpers on cell values. No I/O; imports nothing of the other import modules.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import geopandas as gpd

from songnan_geo.layers.io import (
    Problem,
)
from songnan_geo.text.import_messages import Message, render

#: Largest file accepted: 100 MB (files of this size or more are refused). The import's
#: work grows linearly with features and columns; its memory stays under about 25 times
#: the file's size for a CSV, 10 times for GeoJSON and 6 times for a GeoPackage (measured
#: by benchmarks/import_scale.py), so at most about 2.5 GB at this limit.
MAX_FILE_BYTES = 100 * 1024 * 1024


MAX_FILE_LABEL = "100 MB"


#: Largest total size of a zip's members once unpacked.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


#: Largest uncompressed/compressed size ratio of a zip member (larger: a zip bomb).
MAX_COMPRESSION_RATIO = 200


MAX_ZIP_MEMBERS = 500


#: Most columns (fields) a file may have: 1,000. A layer has a few dozen; a file with more is
#: refused before it is parsed (a CSV's header line, an XLSX sheet's width, a GDAL layer's
#: field list, a GeoJSON's property names), so that even a million columns answer at once.
MAX_COLUMNS = 1000


#: Reader warnings turned into notes, at most this many (the rest are logged).
MAX_READER_NOTES = 5


#: Formats read, by key: label and file suffixes.
FORMATS = {
    "geojson": ("GeoJSON", (".geojson", ".json")),
    "shapefile": ("Shapefile (zip)", (".zip",)),
    "gpkg": ("GeoPackage", (".gpkg",)),
    "kml": ("KML", (".kml",)),
    "csv": ("CSV", (".csv", ".txt")),
    "xlsx": ("Excel (XLSX)", (".xlsx",)),
}


SUFFIXES = sorted({s for _, sfx in FORMATS.values() for s in sfx})


#: Text encodings offered for CSV files (GB18030 is the superset of GBK and GB2312); any
#: other Python codec name may be given too. Without one, the encoding is detected.
ENCODINGS = ("utf-8", "gb18030", "big5", "shift_jis", "utf-16")


#: Fields every layer's features carry; the planner may fill them for a whole file.
CORE_FIELDS = ("id", "name", "source", "accuracy_m", "estimated")


@dataclass
class ImportOptions:
    """What the planner chose. Every field has a default that reads the file as it is.

    crs : the coordinates' system ('wgs84', 'gcj02', 'bd09', 'cgcs2000', 'EPSG:n'); None
        takes the file's own (a GeoJSON without ``crs`` is WGS84; a CSV has none).
    lon_col, lat_col, wkt_col : CSV/XLSX geometry columns; None guesses from the names.
    encoding : CSV text encoding (a Python codec name); None detects it: UTF-8 (or a
        byte-order mark), else what charset-normalizer finds (Big5, Shift-JIS…), else
        GB18030 (GBK); an uncertain detection is refused.
    sublayer : GeoPackage table, KML folder, XLSX sheet or Shapefile in the zip; None
        reads the only one (GeoPackage/XLSX: the first; KML/zip: all of them).
    make_valid : repair invalid geometries with shapely.make_valid.
    drop_extra : drop columns the layer's schema does not have.
    defaults : values for missing fields (e.g. source, accuracy_m, estimated), applied
        where a column is absent or a value empty.
    auto_ids : give features without an id one (``<layer>_<n>``).
    mode : 'replace' the layer, or 'upsert' (features with a known id replace the stored
        ones, the others are added).
    """

    crs: str | None = None
    lon_col: str | None = None
    lat_col: str | None = None
    wkt_col: str | None = None
    encoding: str | None = None
    sublayer: str | None = None
    make_valid: bool = False
    drop_extra: bool = False
    defaults: dict = field(default_factory=dict)
    auto_ids: bool = False
    mode: str = "replace"


@dataclass
class LayerTarget:
    """Where the import goes: an existing layer (with its rules) or a new one.

    existing : the stored layer (None for a new one); references : other stored layers,
    used to recognise a datum offset; boundary : the town boundary (EPSG:4326).
    """

    name: str
    schema: dict | None
    geometry_types: list[str] | None
    inside_boundary: bool = False
    existing: gpd.GeoDataFrame | None = None
    references: dict = field(default_factory=dict)
    boundary: object | None = None
    new: bool = False


@dataclass
class Offer:
    """A fix the planner can accept: ``options`` are the ImportOptions to set.

    ``note`` is the offer's :class:`~songnan_geo.text.import_messages.Message` (code and values);
    :meth:`text` renders it in 'zh' or 'en', ``message`` is the English text."""

    kind: str          # convert_datum | make_valid | drop_extra | defaults | encoding
    note: Message
    options: dict

    @property
    def message(self) -> str:
        return self.note.text("en")

    def text(self, lang: str = "en") -> str:
        return self.note.text(lang)


@dataclass
class ImportResult:
    """What :func:`import_layer` found. ``layer`` is what would be stored (``ok`` only).

    ``problems`` (:class:`~songnan_geo.layers.io.Problem`), ``warnings``
    (:class:`~songnan_geo.text.import_messages.Message`) and ``offers`` carry message codes and
    values; each renders its text in Chinese or English (``.text(lang)``)."""

    filename: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    imported: gpd.GeoDataFrame | None = None
    layer: gpd.GeoDataFrame | None = None
    schema: dict | None = None
    geometry_types: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.layer is not None

    def report(self, lang: str = "en") -> str:
        """All problems, warnings and offers as plain text in ``lang`` ('en' or 'zh'; the CLI)."""
        lines = []
        if self.problems:
            lines.append(render("report_problems", lang, {"n": len(self.problems)}))
            lines += [f"  - {p.line(lang)}" for p in self.problems]
        lines += ["  " + render("report_note", lang, {"text": w}) for w in self.warnings]
        lines += ["  " + render("report_offer", lang, {"text": o.note}) for o in self.offers]
        return "\n".join(lines)


class ImportStopped(Exception):
    """Internal: reading cannot continue; the problems are already recorded."""


def unflagged(problems: list[Problem], flagged: set[tuple[int, str]]) -> list[Problem]:
    """``problems`` without those about a value already reported as non-finite."""
    if not flagged:
        return problems
    return [p for p in problems if p.feature is None or p.field is None
            or (p.feature.index, p.field.split(".", 1)[0]) not in flagged]


def gdal_message(exc: Exception) -> str:
    text = str(exc)
    return re.sub(r"/tmp/songnan-import-[^/\s]+/", "", text).strip()[:300]


def is_empty(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str)
                                                                      and not v.strip())

