"""Layers as PostgreSQL tables: a GeoDataFrame written with ``COPY`` and read back as the frame a
GeoPackage of the same data reads as (:mod:`data.pgstore` uses these; split from it by job).

A layer table has ``fid`` (the row order), one column per frame column (``text``, ``bigint``,
``double precision``, ``boolean``, ``timestamp[tz]``, ``bytea``) and ``geometry`` (PostGIS, the
frame's EPSG:4326 or SRID 0 when it has no CRS). Text keeps the difference between an empty
string and a missing value; integers with missing values read back as floats, as pyogrio reads
them from a GeoPackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from data.store import StoreError

if TYPE_CHECKING:
    import psycopg

__all__ = ["write_table", "read_table", "quote_name"]


def quote_name(name: str) -> str:
    """``name`` as a quoted SQL identifier.

    >>> quote_name('odd"name')
    '"odd""name"'
    """
    return '"' + name.replace('"', '""') + '"'


_q = quote_name

def _sql_type(name: str, series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if pd.api.types.is_complex_dtype(dtype):
        raise NotImplementedError(f"column {name!r}: complex numbers cannot be stored in a layer")
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    values = [v for v in series.tolist() if v is not None and not (isinstance(v, float)
                                                                   and np.isnan(v))]
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        return "boolean"
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                      for v in values):
        return "bigint"
    if values and all(isinstance(v, (bytes, bytearray, memoryview)) for v in values):
        return "bytea"
    if any(isinstance(v, complex) for v in values):
        raise NotImplementedError(f"column {name!r}: complex numbers cannot be stored in a layer")
    return "text"


def _cell(value: Any, kind: str) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if kind == "text" and not isinstance(value, str):
        return str(value)
    if kind in ("timestamp", "timestamptz") and isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _prepared(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """``gdf`` with its geometry column named ``geometry`` and last, in EPSG:4326; its SRID."""
    frame = gdf
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    cols = [c for c in frame.columns if c != "geometry"] + ["geometry"]
    frame = frame[cols]
    if frame.crs is None:
        return frame, 0
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame, 4326


def write_table(conn: sa.Connection, table: str, gdf: gpd.GeoDataFrame, *,
                index: bool = True) -> None:
    """Create table ``table`` holding ``gdf`` (it must not exist), loaded with ``COPY``.

    ``fid`` numbers the rows 1… in the frame's order (or is the frame's own ``fid`` column);
    with ``index`` the table gets its primary key and GiST index (version tables do not need
    them).
    """
    frame, srid = _prepared(gdf)
    data_cols = [c for c in frame.columns if c != "geometry"]
    for col in data_cols:
        if not isinstance(col, str) or not col:
            raise StoreError(f"layer column names must be text, got {col!r}")
    kinds = {c: _sql_type(c, frame[c]) for c in data_cols if c != "fid"}
    if "fid" in data_cols:
        fids = [int(v) for v in frame["fid"].tolist()]
    else:
        fids = list(range(1, len(frame) + 1))
    defs = ["fid bigint NOT NULL"] + [f"{_q(c)} {k}" for c, k in kinds.items()]
    defs.append(f"geometry geometry(Geometry, {srid})")
    conn.exec_driver_sql(f"CREATE TABLE {_q(table)} ({', '.join(defs)})")
    geoms = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), srid)
    wkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
    columns = [fids]
    for col, kind in kinds.items():
        columns.append([_cell(v, kind) for v in frame[col].astype(object).tolist()])
    columns.append(wkb.tolist())
    names = ", ".join(["fid", *(_q(c) for c in kinds), "geometry"])
    dbapi = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with dbapi.cursor() as cur, cur.copy(f"COPY {_q(table)} ({names}) FROM STDIN") as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)
    if index:
        conn.exec_driver_sql(f"ALTER TABLE {_q(table)} ADD PRIMARY KEY (fid)")
        conn.exec_driver_sql(f"CREATE INDEX {_q(table + '_geometry_gist')} ON {_q(table)} "
                             f"USING GIST (geometry)")


_INT_TYPES = {"bigint", "integer", "smallint"}
_FLOAT_TYPES = {"double precision", "real", "numeric"}


def _column(values: list[Any], kind: str) -> Any:
    if kind == "boolean":
        return np.array(values, dtype=bool) if None not in values else np.array(values, object)
    if kind in _INT_TYPES:
        if None not in values:
            return np.array(values, dtype="int64")
        return np.array([np.nan if v is None else v for v in values], dtype="float64")
    if kind in _FLOAT_TYPES:
        return np.array([np.nan if v is None else v for v in values], dtype="float64")
    if kind.startswith("timestamp"):
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(
            "datetime64[ms, UTC]" if "time zone" in kind and "without" not in kind
            else "datetime64[ms]")
    if kind == "text":
        return pd.Series(values, dtype=object).infer_objects() if values else \
            pd.Series([], dtype=str)
    return pd.Series(values, dtype=object)


def read_table(conn: sa.Connection, table: str) -> gpd.GeoDataFrame:
    """Table ``table`` as the frame a GeoPackage of the same data reads as (ordered by fid)."""
    cols = conn.execute(sa.text(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(:t) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum"), {"t": _q(table)}).all()
    if not cols:
        raise StoreError(f"layer {table!r}: no table {table}")
    kinds = {name: kind.split("(")[0] for name, kind in cols}
    srid = conn.execute(sa.text("SELECT Find_SRID(current_schema()::text, :t, 'geometry')"),
                        {"t": table}).scalar() if "geometry" in kinds else 0
    select = ", ".join("ST_AsBinary(geometry)" if c == "geometry" else _q(c)
                       for c in kinds if c != "fid")
    order = " ORDER BY fid" if "fid" in kinds else ""
    dbapi = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with dbapi.cursor() as cur:  # plain tuples: a third of the time of SQLAlchemy rows
        rows = cur.execute(f"SELECT {select} FROM {_q(table)}{order}").fetchall()
    names = [c for c in kinds if c != "fid"]
    data = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    out: dict[str, Any] = {}
    geometry = None
    for name, values in zip(names, data, strict=True):
        if name == "geometry":
            geometry = shapely.from_wkb([None if v is None else bytes(v) for v in values])
        else:
            out[name] = _column(list(values), kinds[name])
    crs = 4326 if srid == 4326 else (f"EPSG:{srid}" if srid else None)
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(rows)))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(
        geometry if geometry is not None else [], index=frame.index, crs=crs), crs=crs)
