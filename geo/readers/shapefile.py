"""Zipped Shapefiles: members checked from the zip's headers before anything is unpacked (paths that would
escape, links, encryption, zip bombs, several or no shapefiles), written under fixed names, .shx and .dbf
counted against each other."""
from __future__ import annotations

import io
import struct
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd

from geo.problems import Limits
from geo.readers.common import megabytes, refuse
from geo.readers.ogr import read_path

MAX_UNZIPPED_BYTES = 300_000_000
MAX_ZIP_RATIO = 100  # a member inflating more than 100-fold is treated as a zip bomb
MAX_ZIP_MEMBERS = 50
SUPPORTED_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def read_zipped_shapefile(content: bytes, limits: Limits) -> gpd.GeoDataFrame:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse("malformed", format="zip", detail=str(exc)[:160]) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise refuse("zip_too_many", count=len(members), limit=MAX_ZIP_MEMBERS)
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
        if path.is_absolute() or ".." in path.parts or is_link or ":" in member.filename:
            raise refuse("zip_unsafe_path", member=member.filename)
        if member.flag_bits & 0x1 or member.compress_type not in SUPPORTED_ZIP_METHODS:
            method = "encrypted" if member.flag_bits & 0x1 else member.compress_type
            raise refuse("zip_unsupported", member=member.filename, method=method)
    total = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if total > MAX_UNZIPPED_BYTES or ratio > MAX_ZIP_RATIO:
        raise refuse("zip_too_big", size_mb=megabytes(total), ratio=round(ratio))
    shapes = [m.filename for m in members if m.filename.lower().endswith(".shp") and not m.is_dir()]
    if len(shapes) > 1:
        raise refuse("zip_ambiguous", members=", ".join(shapes[:10]))
    if not shapes:
        raise refuse("zip_no_shapefile")
    stem = shapes[0][:-4]
    parts = {m.filename[len(stem):].lower(): m for m in members if m.filename[:len(stem)] == stem
             and m.filename[len(stem):].lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg")}
    if not {".shp", ".shx", ".dbf"} <= set(parts):
        raise refuse("zip_no_shapefile")
    with tempfile.TemporaryDirectory() as folder:
        for extension, member in parts.items():  # written under a fixed name: nothing from the archive chooses a path
            try:
                (Path(folder) / f"upload{extension}").write_bytes(archive.read(member))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise refuse("malformed", format="zip", detail=str(exc)[:160]) from None
        _check_shapefile_parts(Path(folder), shapes[0])
        return read_path(Path(folder) / "upload.shp", "Shapefile", limits)


def _check_shapefile_parts(folder: Path, member: str) -> None:
    """The .shx index and the .dbf table must count the same records, else GDAL reads the shorter silently."""
    shx, dbf = (folder / "upload.shx").read_bytes(), (folder / "upload.dbf").read_bytes()
    if len(shx) < 100 or len(dbf) < 32:
        raise refuse("malformed", format="Shapefile", detail=f"{member}: .shx or .dbf is truncated")
    shapes = (len(shx) - 100) // 8
    (records,) = struct.unpack_from("<I", dbf, 4)
    if shapes != records:
        raise refuse("shapefile_parts_disagree", member=member, shapes=shapes, records=records)

