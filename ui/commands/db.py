"""``riskmap db``: set up the central PostGIS store and copy datasets in and out of it.

    riskmap db init --store postgresql://riskmap@dbhost/riskmap   # tables, indexes, migrations
    riskmap db load --store URL --data DIR [--replace]           # a dataset folder -> database
    riskmap db dump --store URL --out DIR [--replace]            # database -> a dataset folder

``$RISKMAP_STORE`` works instead of ``--store``. ``init`` creates the PostGIS extension when it
is missing (the role needs the right to), the records tables and the store's tables at the
current schema version, or migrates older ones; running it again changes nothing. ``load`` and
``dump`` copy everything (:mod:`data.pgcopy`: layers, rasters, description, incidents, users,
layer versions, audit log) and refuse a target that already holds data unless ``--replace``.
The URL's password is never printed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from data.pgstore import PostGISStore
from data.store import FileStore, StoreError, is_store_url
from data.sysdb import SCHEMA_VERSION, SchemaError
from ui.commands._common import cli_actor, store_url

__all__ = ["add_parser", "run"]

_STORE_HELP = ("the PostgreSQL database, e.g. postgresql://user@host/db (default: "
               "$RISKMAP_STORE) / 数据库地址")
_REPLACE_HELP = ("replace what the target already holds (everything in it is removed first) "
                 "/ 覆盖目标中已有的数据")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "db", help="central PostGIS store: init, load, dump / 中心数据库",
        description="Set up a PostgreSQL + PostGIS database as the central store of a bureau "
                    "and copy datasets in and out of it. 初始化 PostGIS 中心数据库，导入或导出数据集。",
    )
    ops = p.add_subparsers(dest="db_cmd", metavar="ACTION", required=True)

    init = ops.add_parser(
        "init", help="create or migrate the tables / 创建或升级数据库结构",
        description="Create the PostGIS extension if missing, the records tables (users, "
                    "audit log, incidents, layer versions) and the store's tables, or migrate "
                    "them to this version. Harmless to run again. 创建或升级数据库结构，可重复运行。")
    init.add_argument("--store", default=None, metavar="URL", help=_STORE_HELP)

    load = ops.add_parser(
        "load", help="copy a dataset folder into the database / 将数据集目录导入数据库",
        description="Copy every layer, both rasters, dataset.json, incidents, users, layer "
                    "versions and the audit log of a dataset folder into the database. "
                    "复制数据集目录中的全部图层、栅格、说明、事件、用户、版本和审计日志。")
    load.add_argument("--store", default=None, metavar="URL", help=_STORE_HELP)
    load.add_argument("--data", type=Path, required=True, metavar="DIR",
                      help="the dataset folder to copy / 数据集目录")
    load.add_argument("--replace", action="store_true", help=_REPLACE_HELP)

    dump = ops.add_parser(
        "dump", help="copy the database into a dataset folder / 将数据库导出为数据集目录",
        description="Copy everything in the database into a dataset folder that "
                    "`riskmap info --data DIR` and every other command read. "
                    "将数据库中的全部内容导出为数据集目录。")
    dump.add_argument("--store", default=None, metavar="URL", help=_STORE_HELP)
    dump.add_argument("--out", type=Path, required=True, metavar="DIR",
                      help="the folder to write (created if missing) / 输出目录")
    dump.add_argument("--replace", action="store_true", help=_REPLACE_HELP)
    p.set_defaults(func=run)


def _url(args: argparse.Namespace) -> str:
    from ui.cli import CliError

    url = store_url(args.store)
    if not url:
        raise CliError("riskmap db: 请给出数据库地址 / give the database with --store URL "
                       "(postgresql://user@host/db) or set $RISKMAP_STORE")
    if not is_store_url(url):
        raise CliError("--store: 不是数据库地址 / not a database URL (postgresql://user@host/db); "
                       "a folder is given with --data DIR")
    return url


def _open(url: str, *, check: bool) -> PostGISStore:
    from ui.cli import CliError

    try:
        store = PostGISStore(url, check=False)
        if check:
            store.check_schema()
    except (SchemaError, OSError) as exc:
        raise CliError(f"--store: {exc}") from exc
    return store


def _init(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    store = _open(_url(args), check=False)
    try:
        done = store.initialise()
    except (SchemaError, OSError) as exc:
        raise CliError(f"--store: {exc}") from exc
    finally:
        store.close()
    print(f"数据库 / database: {store.describe()}")
    for line in done:
        print(f"  {line}")
    if not done:
        print(f"  已是最新，无需更改 / already at the current schema (records version "
              f"{SCHEMA_VERSION}), nothing to do")
    return 0


def _refuse_non_empty(what: str, *, replace: bool) -> None:
    from ui.cli import CliError

    if not replace:
        raise CliError(f"{what} 已有数据，未做任何更改 / {what} already holds data; nothing was "
                       f"changed (use --replace to overwrite it)")


def _load(args: argparse.Namespace) -> int:
    from data.pgcopy import clear_store, copy_dataset, layer_names, store_is_empty
    from ui.cli import CliError

    root: Path = args.data
    if not root.is_dir():
        raise CliError(f"--data {root}: no such folder / 没有此目录")
    source = FileStore(root)
    if not layer_names(source):
        raise CliError(f"--data {root}: 没有图层 / no layers (*.gpkg) in that folder")
    store = _open(_url(args), check=True)
    try:
        t0 = time.perf_counter()
        if not store_is_empty(store):
            _refuse_non_empty(f"--store {store.describe()}", replace=args.replace)
            clear_store(store)
        report = copy_dataset(source, store, actor=cli_actor(), action="db.load")
        took = time.perf_counter() - t0
    except (SchemaError, StoreError, OSError) as exc:
        raise CliError(f"riskmap db load: {exc}") from exc
    finally:
        store.close()
    print(f"已导入 / loaded {root} → {store.describe()} ({took:.1f} s)")
    print("\n".join(report.lines()))
    return 0


def _dump(args: argparse.Namespace) -> int:
    from data.pgcopy import clear_store, copy_dataset
    from ui.cli import CliError

    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out}: not a folder / 不是目录")
    store = _open(_url(args), check=True)
    try:
        t0 = time.perf_counter()
        if out.is_dir() and any(out.iterdir()):
            _refuse_non_empty(f"--out {out}", replace=args.replace)
            clear_store(FileStore(out))
        out.mkdir(parents=True, exist_ok=True)
        report = copy_dataset(store, FileStore(out), actor=cli_actor(), action="db.dump")
        took = time.perf_counter() - t0
    except (SchemaError, StoreError, OSError) as exc:
        raise CliError(f"riskmap db dump: {exc}") from exc
    finally:
        store.close()
    print(f"已导出 / dumped {store.describe()} → {out} ({took:.1f} s)")
    print("\n".join(report.lines()))
    return 0


def run(args: argparse.Namespace) -> int:
    return {"init": _init, "load": _load, "dump": _dump}[args.db_cmd](args)
