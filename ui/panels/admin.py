"""The admin tab (administrators only): the accounts and the latest audit log rows.

Its tab is shown only to users who may manage accounts (``TAB_ACTION``), and its content is
refused on the server for anyone else: :func:`layout` renders a refusal, and the refresh and
disable/enable callbacks are gated by :data:`CALLBACK_ACTIONS` in :mod:`ui.auth`. Users are added
and removed with ``riskmap users`` (the CLI); this tab can disable and re-enable them.
"""

from __future__ import annotations

import json
from datetime import datetime

import dash
from dash import ALL, Input, Output, State, ctx, html

from data.accounts import LOCAL_USER, AccountError, Accounts, User, role_label
from data.sysdb import CST
from ui import access, ids
from ui.i18n import norm_lang, translator
from ui.state import AppState

TAB_ACTION = "users"
"""Who sees this tab (see :data:`data.accounts.ACTIONS`)."""

CALLBACK_ACTIONS = {
    ids.ADM_USERS: "users",
    ids.ADM_AUDIT: "audit",
    ids.ADM_MESSAGE: "users",
}
"""The callbacks of this tab and the action each needs (enforced by :mod:`ui.auth`)."""

AUDIT_ROWS = 200
"""How many of the latest audit rows the tab shows (``riskmap audit`` gives them all)."""

T = {
    "how": ("账户由命令行管理：riskmap users add|passwd|disable|remove。此处可查看账户与审计日志，"
            "并停用或恢复账户。",
            "Accounts are managed with the CLI: riskmap users add|passwd|disable|remove. Here you "
            "can see the accounts and the audit log, and disable or re-enable an account."),
    "refused": ("仅系统管理员可查看此页 / administrators only", "administrators only / 仅系统管理员"),
    "refresh": ("刷新", "Refresh"),
    "users": ("账户", "Accounts"),
    "audit": ("审计日志（最近 {n} 条）", "Audit log (latest {n} rows)"),
    "name": ("用户名", "User"), "role": ("角色", "Role"), "districts": ("辖区", "Districts"),
    "state": ("状态", "State"), "created": ("创建时间", "Created"),
    "active": ("正常", "active"), "disabled": ("已停用", "disabled"),
    "locked": ("已锁定至 {t}", "locked until {t}"),
    "all": ("全部", "all"),
    "disable": ("停用", "Disable"), "enable": ("恢复", "Enable"),
    "no_users": ("尚无账户（本机单用户模式）", "No accounts yet (single-user local mode)"),
    "at": ("时间", "When"), "actor": ("操作人", "Who"), "action": ("操作", "Action"),
    "target": ("对象", "Target"), "detail": ("详情", "Detail"), "ok": ("结果", "Result"),
    "ok_yes": ("成功", "ok"), "ok_no": ("失败", "failed"),
    "done_disable": ("已停用 {name}", "{name} disabled"),
    "done_enable": ("已恢复 {name}", "{name} enabled"),
    "not_self": ("不能停用自己的账户 / you cannot disable your own account",
                 "you cannot disable your own account / 不能停用自己的账户"),
}

tt = translator(T)


def _locked(user: User) -> bool:
    if not user.locked_until:
        return False
    try:
        return datetime.fromisoformat(user.locked_until) > datetime.now(CST)
    except ValueError:
        return False


def users_table(state: AppState, lang: str) -> html.Table | html.P:
    """The accounts: name, role, districts, state (active, disabled, locked), a toggle button."""
    people = Accounts(state.store.db).list()
    if not people:
        return html.P(tt("no_users", lang), className="muted")
    head = html.Tr([html.Th(tt(k, lang)) for k in ("name", "role", "districts", "state",
                                                    "created")] + [html.Th("")])
    rows = []
    for user in people:
        state_text = tt("disabled" if user.disabled else "active", lang)
        if _locked(user):
            state_text += " · " + tt("locked", lang).format(t=user.locked_until)
        toggle = "enable" if user.disabled else "disable"
        rows.append(html.Tr([
            html.Td(user.name), html.Td(role_label(user.role, lang)),
            html.Td("、".join(user.districts) or tt("all", lang)),
            html.Td(state_text, className="error" if user.disabled else None),
            html.Td(user.created_at[:16].replace("T", " ")),
            html.Td(html.Button(tt(toggle, lang), className="btn",
                                id={"type": ids.ADM_TOGGLE, "name": user.name})),
        ]))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="stats admin-users")


def audit_table(state: AppState, lang: str, *, limit: int = AUDIT_ROWS) -> html.Table:
    """The latest ``limit`` audit rows, newest first."""
    rows = list(reversed(state.store.db.audit_rows(limit=limit)))
    head = html.Tr([html.Th(tt(k, lang)) for k in ("at", "actor", "action", "target", "ok",
                                                    "detail")])
    body = []
    for row in rows:
        detail = json.dumps(row["detail"], ensure_ascii=False) if row["detail"] else ""
        if row["ids"]:
            detail = (f"ids {', '.join(map(str, row['ids'][:10]))}"
                      f"{' …' if len(row['ids']) > 10 else ''} {detail}").strip()
        body.append(html.Tr([
            html.Td(str(row["at"])[:19].replace("T", " ")), html.Td(row["actor"]),
            html.Td(row["action"]), html.Td(row["target"]),
            html.Td(tt("ok_yes" if row["ok"] else "ok_no", lang),
                    className=None if row["ok"] else "error"),
            html.Td(detail[:200]),
        ]))
    return html.Table([html.Thead(head), html.Tbody(body)], className="stats admin-audit")


def layout(state: AppState, lang: str) -> html.Div:
    if not access.can("users"):
        return html.Div(className="panel", children=[html.P(tt("refused", lang),
                                                            className="error")])
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Button(tt("refresh", lang), id=ids.ADM_REFRESH, className="btn"),
        html.Div(id=ids.ADM_MESSAGE, role="status"),
        html.H3(tt("users", lang)),
        html.Div(users_table(state, lang), id=ids.ADM_USERS),
        html.H3(tt("audit", lang).format(n=AUDIT_ROWS)),
        html.Div(audit_table(state, lang) if access.can("audit") else "", id=ids.ADM_AUDIT,
                 className="admin-audit-box"),
    ])


def toggle_user(state: AppState, *, name: str, lang: str):
    """Callback body: disable an active account or re-enable a disabled one (audited)."""
    me = access.require("users")
    accounts = Accounts(state.store.db)
    try:
        user = accounts.get(name)
        if not user.disabled and name == me.name:
            return html.Span(tt("not_self", lang), className="error"), dash.no_update
        actor = "web:" + (me.name if me.name != LOCAL_USER else "local")
        accounts.set_disabled(name, not user.disabled, actor=actor)
    except (AccountError, OSError) as exc:
        return html.Span(str(exc), className="error"), dash.no_update
    done = tt("done_enable" if user.disabled else "done_disable", lang).format(name=name)
    return html.Span(done, className="ok"), users_table(state, lang)


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.ADM_USERS, "children"),
        Output(ids.ADM_AUDIT, "children"),
        Input(ids.ADM_REFRESH, "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _refresh(_n, lang):
        access.require("users")
        lang = norm_lang(lang)
        return users_table(state, lang), audit_table(state, lang)

    @app.callback(
        Output(ids.ADM_MESSAGE, "children"),
        Output(ids.ADM_USERS, "children", allow_duplicate=True),
        Input({"type": ids.ADM_TOGGLE, "name": ALL}, "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _toggle(clicks, lang):
        if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
            return dash.no_update, dash.no_update
        return toggle_user(state, name=str(ctx.triggered_id["name"]), lang=norm_lang(lang))
