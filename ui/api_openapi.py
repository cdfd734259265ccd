"""The OpenAPI 3.1 description of the JSON API (:mod:`ui.api`), served as
``/api/v1/openapi.json``. Written by hand; ``tests/ui/test_api.py`` checks that every route
registered under ``/api/v1`` is in it."""

from __future__ import annotations

from typing import Any

__all__ = ["OPENAPI"]

_ERROR = {"$ref": "#/components/schemas/Error"}


def _answer(text: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": text,
            "content": {"application/json": {"schema": schema or _ERROR}}}


_ERRORS = {
    "400": _answer("错误的输入 / bad input (the message says what was expected)"),
    "401": _answer("未登录或令牌无效/过期 / no credentials, or a bad or expired token"),
    "403": _answer("角色不够或不在您的区内 / the role may not do this, or the place is outside "
                   "the user's districts"),
}
_NOT_FOUND = {"404": _answer("没有该对象 / no such incident or layer")}


def _query(name: str, text: str, schema: dict[str, Any], *, required: bool = False
           ) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": text,
            "schema": schema}


_ID = {"name": "incident_id", "in": "path", "required": True, "schema": {"type": "integer"},
       "description": "事件编号 / incident id"}
_PAGE = [
    _query("offset", "skip this many (newest first) / 跳过条数", {"type": "integer", "minimum": 0,
                                                               "default": 0}),
    _query("limit", "page size / 每页条数", {"type": "integer", "minimum": 1, "maximum": 1000,
                                          "default": 100}),
]
_RADII_KM = {"oneOf": [{"type": "string", "examples": ["1,5,10"]},
                       {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}}],
             "description": "ring radii in km, inner to outer / 半径（公里）"}
_INCIDENT_FIELDS = {
    "lon": {"type": "number", "description": "longitude, WGS 84 / 经度"},
    "lat": {"type": "number", "description": "latitude, WGS 84 / 纬度"},
    "radii_km": _RADII_KM,
    "radii_m": {"type": "array", "items": {"type": "number"},
                "description": "ring radii in metres (instead of radii_km) / 半径（米）"},
    "type": {"type": "string", "description": "hazmat, fire, gas, other or 危化品泄漏, 火灾爆炸, "
                                              "燃气泄漏, 其他", "default": "other"},
    "note": {"type": "string", "maxLength": 10000, "description": "备注 / note"},
    "wind_from_deg": {"type": ["number", "null"], "minimum": 0, "maximum": 360,
                      "description": "wind from, degrees clockwise from north (null: no wind) / "
                                     "风向（来向，度）"},
    "downwind_m": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 100000,
                   "description": "how far the downwind area reaches, metres (needs "
                                  "wind_from_deg; default the outer radius) / 下风向距离（米）"},
}


def _body(schema: dict[str, Any], kind: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {kind: {"schema": schema}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "安全风险地图 risk-map API",
        "version": "1",
        "description": "应急管理局其他系统（指挥平台、12345、传感器）调用的接口 / the JSON API for "
                       "the bureau's other systems. Get a token with POST /token and send it "
                       "as `Authorization: Bearer …`. Roles, lowest first: analyst, commander "
                       "(+ incidents), planner, data (+ import), admin (+ audit). A user limited "
                       "to some districts sees and counts only those districts. Every error is "
                       "`{\"error\": \"中文 / English\"}`.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "token from POST /token (12 h)"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"],
                      "properties": {"error": {"type": "string"}}},
            "Incident": {"type": "object", "properties": {
                "id": {"type": "integer"}, "created": {"type": "string", "format": "date-time"},
                "lon": {"type": "number"}, "lat": {"type": "number"},
                "radii_m": {"type": "array", "items": {"type": "number"}},
                "type": {"type": "string"}, "type_zh": {"type": "string"},
                "type_en": {"type": "string"}, "note": {"type": "string"},
                "updated": {"type": "string", "description": "last update (empty: never)"},
                "wind_from_deg": {"type": ["number", "null"]},
                "downwind_m": {"type": ["number", "null"]},
                "history": {"type": "array", "description": "GET /incidents/{id} only: who "
                            "changed what, oldest first", "items": {"$ref":
                                                                    "#/components/schemas/Change"}}
            }},
            "Change": {"type": "object", "properties": {
                "at": {"type": "string"}, "actor": {"type": "string"},
                "action": {"type": "string", "enum": ["create", "update", "delete"]},
                "changes": {"type": "object", "description": "{field: {from, to}}",
                            "additionalProperties": {"type": "object", "properties": {
                                "from": {}, "to": {}}}}}},
            "IncidentInput": {"type": "object", "required": ["lon", "lat"],
                              "properties": _INCIDENT_FIELDS, "additionalProperties": False},
            "IncidentChange": {"type": "object", "minProperties": 1,
                               "properties": _INCIDENT_FIELDS, "additionalProperties": False},
            "Cordon": {"type": "object", "description": "the same JSON as `riskmap cordon "
                                                         "--format json`: zones with counts by "
                                                         "grade, priority enterprises, shelters, "
                                                         "population, checkpoints …"},
        },
    },
    "paths": {
        "/token": {"post": {
            "summary": "获取令牌 / log in and get a bearer token",
            "security": [],
            "requestBody": _body({"type": "object", "required": ["username", "password"],
                                  "properties": {"username": {"type": "string"},
                                                 "password": {"type": "string"}}}),
            "responses": {
                "200": _answer("令牌 / the token", {"type": "object", "properties": {
                    "access_token": {"type": "string"},
                    "expires_at": {"type": "string", "format": "date-time"},
                    "token_type": {"const": "Bearer"}, "role": {"type": "string"},
                    "districts": {"type": "array", "items": {"type": "string"}}}}),
                "400": _ERRORS["400"],
                "401": _answer("用户名或密码错误、账户停用或锁定 / wrong user name or password, "
                               "a disabled or locked account"),
            }}},
        "/me": {"get": {
            "summary": "当前用户 / who am I",
            "responses": {"200": _answer("the user", {"type": "object", "properties": {
                "name": {"type": "string"}, "role": {"type": "string"},
                "role_zh": {"type": "string"},
                "districts": {"type": "array", "items": {"type": "string"}},
                "actions": {"type": "array", "items": {"type": "string"}}}}),
                "401": _ERRORS["401"]}}},
        "/cordon": {"get": {
            "summary": "警戒圈与影响范围 / cordon rings and what lies in each zone (role analyst)",
            "parameters": [
                _query("lon", "longitude, WGS 84 / 经度", {"type": "number"}, required=True),
                _query("lat", "latitude, WGS 84 / 纬度", {"type": "number"}, required=True),
                _query("radii_km", "ring radii in km / 半径（公里）",
                       {"type": "string", "default": "1,5,10"}),
                _query("wind_from", "wind from, degrees clockwise from north: adds the downwind "
                                    "area / 风向（来向，度）",
                       {"type": "number", "minimum": 0, "maximum": 360}),
                _query("downwind_km", "how far the downwind area reaches, km (default the "
                                      "outer radius) / 下风向距离（公里）",
                       {"type": "number", "exclusiveMinimum": 0, "maximum": 100}),
            ],
            "responses": {"200": _answer("exposure", {"$ref": "#/components/schemas/Cordon"}),
                          **_ERRORS}}},
        "/incidents": {
            "get": {"summary": "事件列表（最新在前） / saved incidents, newest first (analyst)",
                    "parameters": [*_PAGE, _query(
                        "search", "only incidents whose id, type or note (part of it) matches "
                                  "/ 按编号、类型或备注筛选", {"type": "string"})],
                    "responses": {"200": _answer("one page", {"type": "object", "properties": {
                        "total": {"type": "integer"}, "offset": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "incidents": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Incident"}}}}),
                        **_ERRORS}},
            "post": {"summary": "保存事件 / save an incident (commander; inside the user's "
                                "districts)",
                     "requestBody": _body({"$ref": "#/components/schemas/IncidentInput"}),
                     "responses": {"201": _answer("saved", {"$ref":
                                                            "#/components/schemas/Incident"}),
                                   **_ERRORS}},
        },
        "/incidents/{incident_id}": {
            "parameters": [_ID],
            "get": {"summary": "一个事件及其更新记录 / one incident with its history (analyst)",
                    "responses": {"200": _answer("the incident",
                                                 {"$ref": "#/components/schemas/Incident"}),
                                  **_ERRORS, **_NOT_FOUND}},
            "patch": {"summary": "修改事件 / change an incident (commander)",
                      "requestBody": _body({"$ref": "#/components/schemas/IncidentChange"}),
                      "responses": {"200": _answer("the changed incident",
                                                   {"$ref": "#/components/schemas/Incident"}),
                                    **_ERRORS, **_NOT_FOUND}},
            "delete": {"summary": "删除事件 / delete an incident (commander)",
                       "responses": {"200": _answer("deleted", {"type": "object", "properties": {
                           "deleted": {"type": "integer"}}}), **_ERRORS, **_NOT_FOUND}},
        },
        "/import/{layer}": {"post": {
            "summary": "导入图层文件 / import a file into a layer (role data; not for a "
                       "district-limited user)",
            "parameters": [{"name": "layer", "in": "path", "required": True,
                            "schema": {"type": "string", "examples": ["enterprises"]},
                            "description": "enterprises, shelters, districts, roads, slopes, "
                                           "waterlogging, dem, population …"}],
            "requestBody": _body({"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream",
                         "description": "CSV, Excel, GeoJSON, GeoPackage, Shapefile ZIP …"},
                "mode": {"enum": ["update", "append", "replace"], "default": "update",
                         "description": "update by key (nothing removed), append, or replace "
                                        "the layer"},
                "confirm": {"const": "yes", "description": "needed by mode=replace when the "
                                                          "layer has rows"}}},
                "multipart/form-data"),
            "responses": {
                "200": _answer("what the import did", {"type": "object", "properties": {
                    "accepted": {"type": "integer"}, "rejected": {"type": "integer"},
                    "rejected_rows": {"type": "array", "items": {"type": "object"},
                                      "description": "first 1000 problems: row, column, "
                                                     "value, reason"},
                    "added": {"type": ["integer", "null"]},
                    "changed": {"type": ["integer", "null"]},
                    "removed": {"type": ["integer", "null"]},
                    "version": {"type": ["integer", "null"]}, "written": {"type": "boolean"},
                    "warnings": {"type": "array", "items": {"type": "string"}}}}),
                **_ERRORS, **_NOT_FOUND,
                "409": _answer("replace needs confirm=yes; says how many rows would go",
                               {"type": "object", "properties": {
                                   "error": {"type": "string"},
                                   "rows_to_remove": {"type": "integer"}}}),
                "413": _answer("文件过大 / the file is too large"),
            }}},
        "/audit": {"get": {
            "summary": "审计日志（先旧后新） / the audit log, oldest first (admin)",
            "parameters": [
                _query("since", "date or ISO date-time / 起始日期或时间", {"type": "string"}),
                _query("action", "only this action, e.g. login.failed", {"type": "string"}),
                _query("limit", "the last N rows", {"type": "integer", "minimum": 1,
                                                    "maximum": 1000, "default": 100}),
            ],
            "responses": {"200": _answer("rows", {"type": "object", "properties": {
                "count": {"type": "integer"}, "rows": {"type": "array", "items": {
                    "type": "object", "properties": {
                        "id": {"type": "integer"}, "at": {"type": "string"},
                        "actor": {"type": "string"}, "action": {"type": "string"},
                        "target": {"type": "string"},
                        "ids": {"type": "array", "items": {"type": "string"}},
                        "ok": {"type": "boolean"}, "detail": {"type": "object"}}}}}}),
                **_ERRORS}}},
        "/openapi.json": {"get": {
            "summary": "本文档 / this document", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1",
                                  "content": {"application/json": {}}}}}},
    },
}

# the road-network routes (ui/api_resources.py)
OPENAPI["paths"]["/nearest"] = {"get": {
    "summary": "最近救援队伍与物资 / the nearest rescue teams by travel time on the road network, "
               "and the depots holding enough of an item (role analyst)",
    "parameters": [
        _query("lon", "longitude, WGS 84 / 经度", {"type": "number"}, required=True),
        _query("lat", "latitude, WGS 84 / 纬度", {"type": "number"}, required=True),
        _query("n", "how many teams (and depots) / 数量", {"type": "integer", "minimum": 1,
                                                         "maximum": 50, "default": 5}),
        _query("item", "stock item, e.g. 吸附棉 / 物资名称", {"type": "string"}),
        _query("quantity", "at least this much of item / 最少数量",
               {"type": "number", "minimum": 0, "default": 0}),
    ],
    "responses": {"200": _answer("teams and depots, fastest first", {
        "type": "object", "properties": {
            "lon": {"type": "number"}, "lat": {"type": "number"},
            "teams": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                "minutes": {"type": "number", "description": "readiness + travel / 出动+路程"},
                "route_m": {"type": "number", "description": "metres along the road"},
                "ready_min": {"type": ["number", "null"]}}}},
            "depots": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "district": {"type": "string"}, "item": {"type": "string"},
                "quantity": {"type": "number"}, "unit": {"type": "string"},
                "minutes": {"type": "number"}, "route_m": {"type": "number"}}}}}}),
        **_ERRORS}}}
