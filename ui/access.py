"""Who is asking, and may they: the one place every page, callback, download and API route asks.

Whoever authenticates a request sets its user with :func:`set_current_user`: :mod:`ui.auth`
for a browser session (or the single-user local mode), :mod:`ui.api` for a bearer token. The
rest of the app asks :func:`current_user`, :func:`require` and :func:`scope`; nothing is
trusted from the browser.

Dash callbacks are checked before they run (:mod:`ui.auth` reads the outputs a callback request
names): each panel module declares ``CALLBACK_ACTIONS = {output id: action}`` for the callbacks
that need more than ``read`` (see :data:`data.accounts.ACTIONS`); every other callback needs
``read``, i.e. a logged-in user of any role.
"""

from __future__ import annotations

import flask
from werkzeug.exceptions import Forbidden, Unauthorized

from data.accounts import ACTIONS, User, role_label

__all__ = ["current_user", "set_current_user", "require", "scope", "can", "Forbidden",
           "Unauthorized", "denied_message"]

_KEY = "riskmap_user"


def set_current_user(user: User | None) -> None:
    """Record who is asking for the rest of this request."""
    flask.g.setdefault(_KEY, None)
    setattr(flask.g, _KEY, user)


def current_user() -> User | None:
    """The user of this request (``None``: not logged in, or outside a request)."""
    if not flask.has_request_context():
        return None
    return flask.g.get(_KEY)


def can(action: str) -> bool:
    user = current_user()
    return user is not None and user.can(action)


def denied_message(action: str, user: User | None) -> str:
    need = role_label(ACTIONS.get(action, "admin"))
    need_en = role_label(ACTIONS.get(action, "admin"), "en")
    if user is None:
        return "请先登录 / please log in"
    return (f"无权操作：需要「{need}」或更高角色，当前为「{role_label(user.role)}」 / not allowed: "
            f"needs the {need_en} role or higher, you are {role_label(user.role, 'en')}")


def require(action: str) -> User:
    """The current user if they may do ``action``; else 401 (nobody) or 403 (wrong role)."""
    user = current_user()
    if user is None:
        raise Unauthorized(denied_message(action, None))
    if not user.can(action):
        raise Forbidden(denied_message(action, user))
    return user


def scope() -> tuple[str, ...] | None:
    """The districts the current user may see (``None``: all, or outside a request)."""
    user = current_user()
    return user.scope if user is not None else None
