"""Accounts and roles: who may do what, and in which districts.

Roles are cumulative, each one can do everything of the one before it:

=========  =======================================  ===========================================
role       角色                                     adds
=========  =======================================  ===========================================
analyst    分析员                                   read, filter, zones, terrain, exports
commander  指挥员                                   place, save, update and delete incidents;
                                                   add hidden dangers and move them along
planner    规划/制图员                              print (PDF maps)
data       数据管理员                               import, undo, layer versions
admin      系统管理员                               users, the audit log
=========  =======================================  ===========================================

A user may be limited to some districts (``districts``); an empty list means every district.
Passwords are hashed with werkzeug's scrypt (:func:`werkzeug.security.generate_password_hash`);
after :data:`MAX_FAILED_LOGINS` failures in a row an account is locked for
:data:`LOCKOUT_MINUTES`. Every change and every login, good or bad, is written to the audit log
in the same transaction (:meth:`data.sysdb.SystemDB.audit`).

>>> import tempfile, pathlib
>>> from data.sysdb import SystemDB
>>> acc = Accounts(SystemDB.for_folder(pathlib.Path(tempfile.mkdtemp())))
>>> acc.add("li", role="commander", password="correct horse", districts=["南山区"],
...         actor="admin").role
'commander'
>>> acc.authenticate("li", "correct horse").districts
('南山区',)
>>> allowed("commander", "incident.write"), allowed("analyst", "incident.write")
(True, False)
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from data.sysdb import CST, SystemDB, now_iso, users

__all__ = [
    "ROLES", "ACTIONS", "allowed", "role_label", "parse_role", "User", "Accounts", "AuthError",
    "AccountError", "MAX_FAILED_LOGINS", "LOCKOUT_MINUTES", "MIN_PASSWORD", "LOCAL_USER",
]

ROLES: dict[str, tuple[str, str]] = {
    "analyst": ("分析员", "analyst"),
    "commander": ("指挥员", "commander"),
    "planner": ("规划制图员", "planner"),
    "data": ("数据管理员", "data staff"),
    "admin": ("系统管理员", "administrator"),
}
"""Role codes, lowest first, with their Chinese and English labels."""

ACTIONS: dict[str, str] = {
    "read": "analyst",            # map, filters, statistics, zones, terrain, exports, cordons
    "incident.write": "commander",  # place and save, update, delete incidents
    "print": "planner",           # PDF maps
    "import": "data",             # imports, undo, layer versions
    "users": "admin",             # accounts
    "audit": "admin",             # the audit log
    "hazards.write": "commander",  # hidden dangers: register, add, move along the closed loop
}
"""Every protected action and the lowest role that may do it."""

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD = 8
LOCAL_USER = "本机用户 local"
"""The user name of the single-user local mode (loopback, no accounts defined)."""

_NAME = re.compile(r"^[\w.@-]{1,64}$")


def parse_role(value: object) -> str:
    """A role code from its code or Chinese label (``ValueError`` naming the valid ones)."""
    text = str(value or "").strip()
    for code, (zh, en) in ROLES.items():
        if text.lower() in (code, en.lower()) or text == zh:
            return code
    valid = ", ".join(f"{code} ({zh})" for code, (zh, _) in ROLES.items())
    raise ValueError(f"角色无效 unknown role {text!r}; valid roles: {valid}")


def role_label(role: str, lang: str = "zh") -> str:
    zh, en = ROLES.get(role, (role, role))
    return zh if lang == "zh" else en


def allowed(role: str | None, action: str) -> bool:
    """May ``role`` do ``action`` (see :data:`ACTIONS`)? Unknown roles and actions: no."""
    if role not in ROLES or action not in ACTIONS:
        return False
    order = list(ROLES)
    return order.index(role) >= order.index(ACTIONS[action])


class AuthError(PermissionError):
    """A login that failed (wrong password, unknown or disabled user, locked account)."""


class AccountError(ValueError):
    """A bad account request (unknown user, role or district, weak password …)."""


@dataclass(frozen=True)
class User:
    """One account as the app sees it (never the password hash)."""

    name: str
    role: str
    districts: tuple[str, ...] = ()
    """Districts this user is limited to; empty: every district."""
    disabled: bool = False
    locked_until: str | None = None
    created_at: str = ""
    session_gen: int = 0
    """Bumped by a password change or disabling: older sessions and tokens stop working."""

    def can(self, action: str) -> bool:
        return not self.disabled and allowed(self.role, action)

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The districts this user sees (``None``: all of them)."""
        return self.districts or None

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "role_zh": role_label(self.role),
                "districts": list(self.districts), "disabled": self.disabled,
                "locked_until": self.locked_until, "created_at": self.created_at}


def _user(row) -> User:
    return User(name=row.name, role=row.role, districts=tuple(json.loads(row.districts or "[]")),
                disabled=bool(row.disabled), locked_until=row.locked_until,
                created_at=row.created_at, session_gen=int(row.session_gen or 0))


class Accounts:
    """The users of one store (its :class:`data.sysdb.SystemDB`)."""

    def __init__(self, db: SystemDB, *, known_districts: Iterable[str] | None = None) -> None:
        """``known_districts``: the dataset's district names; others are refused."""
        self.db = db
        self.known_districts = None if known_districts is None else list(known_districts)

    # -- reading -------------------------------------------------------------------------------

    def count(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)

    def list(self) -> list[User]:
        with self.db.connect() as conn:
            return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]

    def get(self, name: str) -> User:
        with self.db.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            raise AccountError(f"没有该用户 / no user {name!r}")
        return _user(row)

    def find(self, name: str) -> User | None:
        try:
            return self.get(name)
        except AccountError:
            return None

    # -- checks --------------------------------------------------------------------------------

    def check_districts(self, districts: Sequence[str] | str | None) -> builtins.list[str]:
        """The district names in ``districts`` (a list, or text split at commas, 、 or spaces),
        each checked against ``known_districts`` (:class:`AccountError` naming the unknown)."""
        if districts is None:
            return []
        items = ([d.strip() for d in re.split(r"[,，、;；\s]+", districts)]
                 if isinstance(districts, str) else [str(d).strip() for d in districts])
        items = list(dict.fromkeys(d for d in items if d))
        if self.known_districts is not None:
            unknown = [d for d in items if d not in self.known_districts]
            if unknown:
                raise AccountError(
                    f"没有该区 / unknown district {', '.join(unknown)}; the dataset's districts "
                    f"are: {', '.join(self.known_districts) or '(none)'}")
        return items

    @staticmethod
    def _password(password: str) -> str:
        if len(password or "") < MIN_PASSWORD:
            raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符 / the password must have at least "
                               f"{MIN_PASSWORD} characters")
        return generate_password_hash(password, method="scrypt")

    # -- changes -------------------------------------------------------------------------------

    def add(self, name: str, *, role: str, password: str,
            districts: Sequence[str] | str | None = None, actor: str) -> User:
        name = (name or "").strip()
        if not _NAME.match(name):
            raise AccountError(f"用户名无效 / bad user name {name!r}: 1-64 letters, digits, "
                               f"'.', '_', '-', '@'")
        role = parse_role(role)
        areas = self.check_districts(districts)
        digest = self._password(password)
        stamp = now_iso()
        with self.db.transaction() as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise AccountError(f"用户已存在 / user {name!r} already exists")
            conn.execute(users.insert().values(
                name=name, role=role, districts=json.dumps(areas, ensure_ascii=False),
                password_hash=digest, created_at=stamp, updated_at=stamp))
            self.db.audit(conn, actor=actor, action="user.add", target=name, ids=[name],
                          detail={"role": role, "districts": areas})
        return self.get(name)

    def _update(self, name: str, *, actor: str, action: str, detail: dict, **values) -> User:
        with self.db.transaction() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
            if row is None:
                raise AccountError(f"没有该用户 / no user {name!r}")
            conn.execute(users.update().where(users.c.name == name)
                         .values(updated_at=now_iso(), **values))
            self.db.audit(conn, actor=actor, action=action, target=name, ids=[name],
                          detail=detail)
        return self.get(name)

    def passwd(self, name: str, password: str, *, actor: str) -> User:
        """Set a new password (and unlock); sessions and tokens of the old one stop working."""
        digest = self._password(password)
        gen = self.get(name).session_gen + 1
        return self._update(name, actor=actor, action="user.passwd", detail={},
                            password_hash=digest, failed_logins=0, locked_until=None,
                            session_gen=gen)

    def set_disabled(self, name: str, disabled: bool, *, actor: str) -> User:
        gen = self.get(name).session_gen + 1
        return self._update(name, actor=actor,
                            action="user.disable" if disabled else "user.enable", detail={},
                            disabled=disabled, session_gen=gen, failed_logins=0, locked_until=None)

    def set_role(self, name: str, *, role: str | None = None,
                 districts: Sequence[str] | str | None = None, actor: str) -> User:
        values: dict[str, object] = {}
        if role is not None:
            values["role"] = parse_role(role)
        if districts is not None:
            areas = self.check_districts(districts)
            values["districts"] = json.dumps(areas, ensure_ascii=False)
        gen = self.get(name).session_gen + 1
        detail = {k: v for k, v in values.items() if k != "districts"}
        if districts is not None:
            detail["districts"] = areas
        return self._update(name, actor=actor, action="user.change", detail=detail,
                            session_gen=gen, **values)

    def remove(self, name: str, *, actor: str) -> None:
        with self.db.transaction() as conn:
            gone = conn.execute(users.delete().where(users.c.name == name)).rowcount
            if not gone:
                raise AccountError(f"没有该用户 / no user {name!r}")
            self.db.audit(conn, actor=actor, action="user.remove", target=name, ids=[name])

    # -- logins --------------------------------------------------------------------------------

    def authenticate(self, name: str, password: str, *, source: str = "web") -> User:
        """The user if ``password`` is right; else :class:`AuthError` (the message does not tell
        an unknown user from a wrong password). Every attempt is audited."""
        name = (name or "").strip()
        now = datetime.now(CST)
        with self.db.transaction() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
            reason = ""
            if row is None:
                reason = "unknown user"
            elif row.disabled:
                reason = "disabled"
            elif row.locked_until and datetime.fromisoformat(row.locked_until) > now:
                reason = "locked"
            elif not check_password_hash(row.password_hash, password or ""):
                reason = "wrong password"
                failed = int(row.failed_logins or 0) + 1
                values: dict[str, object] = {"failed_logins": failed}
                if failed >= MAX_FAILED_LOGINS:
                    until = now + timedelta(minutes=LOCKOUT_MINUTES)
                    values.update(locked_until=until.isoformat(timespec="seconds"),
                                  failed_logins=0)
                    reason = f"wrong password; locked for {LOCKOUT_MINUTES} min"
                conn.execute(users.update().where(users.c.name == name).values(**values))
            if reason:
                self.db.audit(conn, actor=name or "?", action="login.failed", target=name,
                              detail={"reason": reason, "source": source}, ok=False)
            else:
                conn.execute(users.update().where(users.c.name == name)
                             .values(failed_logins=0, locked_until=None))
                self.db.audit(conn, actor=name, action="login.ok", target=name,
                              detail={"source": source})
        if reason == "locked" or reason.endswith("min"):
            raise AuthError(f"登录失败次数过多，账户已锁定 {LOCKOUT_MINUTES} 分钟 / too many failed "
                            f"logins: the account is locked for {LOCKOUT_MINUTES} minutes")
        if reason == "disabled":
            raise AuthError("账户已停用 / this account is disabled")
        if reason:
            raise AuthError("用户名或密码错误 / wrong user name or password")
        assert row is not None
        return replace(_user(row), locked_until=None)
