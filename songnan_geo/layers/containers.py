"""Zip containers checked before anything is unpacked: Shapefile zips, XLSX workbooks, KMZs.

Zip-slip paths, links, encryption, zip bombs (ratio, total, members growing past their
headers), CRC failures; refusals said in the terms of the format given (a workbook, a KMZ,
or a zipped Shapefile). Reads only from memory and writes only into the import's own
temporary folder.
"""
from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from pathlib import Path

from songnan_geo.layers.import_model import MAX_COMPRESSION_RATIO, MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS
from songnan_geo.text.import_messages import msg

#: The zip checks' codes, said of a workbook's or a KMZ's parts (see container_stop).
_CONTAINER_CODES = {
    "zip_unreadable": "container_unreadable", "zip_too_many": "container_too_many",
    "zip_slip": "container_slip", "zip_symlink": "container_symlink",
    "zip_encrypted": "container_encrypted", "zip_bomb_ratio": "container_bomb_ratio",
    "zip_too_large": "container_too_large", "zip_member_grows": "container_member_grows",
    "zip_member_corrupt": "container_member_corrupt", "zip_nested": "container_nested"}


_CONTAINER_REFUSED = {"xlsx": "xlsx_refused", "kmz": "kmz_refused"}


def container_stop(stop, kind: str):
    """``stop`` for the zip checks of an XLSX workbook or a KMZ (``kind``): the problem is
    said in that format's terms (``xlsx_refused``/``kmz_refused`` with what is wrong), not
    in a zipped Shapefile's."""
    if kind == "shapefile":
        return stop

    def format_stop(code: str, fld=None, **params):
        stop(_CONTAINER_REFUSED[kind], fld, problem=msg(_CONTAINER_CODES[code], **params))
    return format_stop


def check_zip(data: bytes, fname: str, stop) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        stop("zip_unreadable", error=str(exc))
    if len(infos) > MAX_ZIP_MEMBERS:
        stop("zip_too_many", count=len(infos), limit=MAX_ZIP_MEMBERS)
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[\\/]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            stop("zip_slip", member=name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            stop("zip_symlink", member=name)
        if info.flag_bits & 0x1:
            stop("zip_encrypted", member=name)
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1):
            stop("zip_bomb_ratio", member=name, packed=info.compress_size,
                 unpacked=info.file_size, ratio=info.file_size // max(info.compress_size, 1),
                 limit=MAX_COMPRESSION_RATIO)
    if total > MAX_UNZIPPED_BYTES:
        stop("zip_too_large", size_mb=total / 1024 / 1024,
             limit_mb=MAX_UNZIPPED_BYTES // 1024 // 1024)
    return zf


def extract_members(zf: zipfile.ZipFile, names: list[str], dest: Path, stop) -> None:
    """Extract ``names`` flat into ``dest``, counting real bytes (headers may lie)."""
    budget = MAX_UNZIPPED_BYTES
    for name in names:
        out = dest / Path(name).name
        with zf.open(name) as src, open(out, "wb") as dst:
            while True:
                try:
                    chunk = src.read(1 << 20)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                    stop("zip_member_corrupt", member=name)  # CRC, broken or unknown data
                if not chunk:
                    break
                budget -= len(chunk)
                if budget < 0:
                    stop("zip_member_grows", member=name,
                         limit_mb=MAX_UNZIPPED_BYTES // 1024 // 1024)
                dst.write(chunk)


def check_crc(zf: zipfile.ZipFile, stop, code: str) -> None:
    """Read every member once (its size already checked by :func:`check_zip`), refusing the
    first whose data fails its CRC or cannot be unpacked with message ``code``."""
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            with zf.open(info) as src:
                while src.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            stop(code, member=info.filename)

