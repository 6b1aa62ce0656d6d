"""GeoParquet: rows, columns and the decoded size read from the file's metadata before anything is decoded."""
from __future__ import annotations

import io

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq

from geo.problems import Limits
from geo.readers.common import megabytes, refuse


def read_parquet(content: bytes, limits: Limits) -> gpd.GeoDataFrame:
    try:
        metadata = pq.ParquetFile(io.BytesIO(content)).metadata
    except Exception as exc:  # pyarrow's ArrowInvalid/OSError on a truncated or foreign file
        raise refuse("malformed", format="GeoParquet", detail=str(exc).splitlines()[0][:160]) from None
    decoded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if metadata.num_rows > limits.rows:
        raise refuse("too_many_rows", count=metadata.num_rows, limit=limits.rows)
    if metadata.num_columns > limits.columns:
        raise refuse("too_many_columns", count=metadata.num_columns, limit=limits.columns)
    if decoded > limits.decoded_bytes:
        raise refuse("too_large", size_mb=megabytes(decoded), limit_mb=megabytes(limits.decoded_bytes))
    try:
        return gpd.read_parquet(io.BytesIO(content))
    except (ValueError, OSError, pa.ArrowException) as exc:  # no geo metadata, or a column it cannot decode
        raise refuse("malformed", format="GeoParquet", detail=str(exc).splitlines()[0][:160]) from None
    except Exception:  # metadata of the wrong shape makes geopandas fail inside (AttributeError, KeyError...)
        raise refuse("malformed", format="GeoParquet", detail="its 'geo' metadata is not valid GeoParquet") from None

