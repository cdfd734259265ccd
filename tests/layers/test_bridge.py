"""The map bridge: both name lists agree, every message sent has a listener, no stray spelling.

No browser: the JavaScript sources are read as text. ``bridge_problems`` takes the source texts,
so the tests at the bottom can plant a mismatch and see it reported.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layers import bridge
from layers.map import MAP_SCRIPTS

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
NAMES_JS = "riskmap-messages.js"
PARENT_JS = "riskmap.js"
NAMES_FILES = {ASSETS / NAMES_JS, ROOT / "layers" / "bridge.py"}

_NAME = r"RISKMAP_MSG\.([A-Za-z_]\w*)"
# a message name; "riskmap: error: …" (the CLI's prefix) is not one
LITERAL = re.compile(r"riskmap:[a-z][\w:-]*")


def js_names(text: str) -> dict[str, str]:
    """``{X: "riskmap:…"}`` from the ``Object.freeze({...})`` of the JS names file."""
    body = re.search(r"RISKMAP_MSG\s*=\s*Object\.freeze\(\{(.*?)\}\)", text, re.S)
    assert body, "the names file must set window.RISKMAP_MSG = Object.freeze({...})"
    return dict(re.findall(r'([A-Z_]+)\s*:\s*"([^"]*)"', body.group(1)))


def python_names() -> dict[str, str]:
    """``{X: "riskmap:…"}`` of layers/bridge.py: every command and event constant."""
    return {n: getattr(bridge, n) for n in bridge.__all__
            if isinstance(getattr(bridge, n), str) and n != "PREFIX"}


def refs(text: str, call: str = "") -> set[str]:
    """Names used as ``RISKMAP_MSG.X``; with ``call``, only as the first argument of ``call(``."""
    if not call:
        return set(re.findall(_NAME, text))
    return set(re.findall(rf"\b{re.escape(call)}\(\s*{_NAME}", text))


def bridge_problems(*, names_js: str, parent_js: str, map_js: dict[str, str],
                    py_names: dict[str, str], commands: tuple[str, ...],
                    events: tuple[str, ...]) -> list[str]:
    """Every disagreement between the two name lists and the two sides' senders and listeners.

    Parameters
    ----------
    names_js
        Text of ``assets/riskmap-messages.js``.
    parent_js
        Text of ``assets/riskmap.js`` (the parent Dash page).
    map_js
        ``{file name: text}`` of the map page's scripts.
    py_names, commands, events
        The Python side: ``{X: string}`` and the strings of ``bridge.COMMANDS``/``EVENTS``.
    """
    problems: list[str] = []
    js = js_names(names_js)
    if js != py_names:
        problems.append(f"JS names {js} differ from layers/bridge.py {py_names}")
    if set(commands) | set(events) != set(py_names.values()) or set(commands) & set(events):
        problems.append("bridge.COMMANDS and bridge.EVENTS must split the names between them")
    kind = {v: k for k, v in py_names.items()}
    command_names = {kind.get(c, c) for c in commands}
    event_names = {kind.get(e, e) for e in events}

    map_text = "\n".join(map_js.values())
    for where, text in [(PARENT_JS, parent_js), *map_js.items()]:
        for name in sorted(refs(text) - set(js)):
            problems.append(f"{where} uses RISKMAP_MSG.{name}, which the names file lacks")
    posted = refs(map_text, "post")
    map_listens = refs(map_text, "onCommand")
    parent_listens = refs(parent_js, "onEvent")
    parent_handles = refs(parent_js, "onCommand")

    for name in sorted(posted - parent_listens):
        problems.append(f"the map posts {name}, which the parent page does not listen to")
    for name in sorted(posted - event_names):
        problems.append(f"the map posts {name}, which is not in bridge.EVENTS")
    for name in sorted(event_names - posted):
        problems.append(f"event {name} is never posted by the map")
    for name in sorted(parent_listens - posted):
        problems.append(f"the parent page listens to {name}, which the map never posts")
    for name in sorted(command_names - map_listens - parent_handles):
        problems.append(f"command {name} has no listener in the map or the parent page")
    for name in sorted((map_listens | parent_handles) - command_names):
        problems.append(f"{name} is handled as a command but is not in bridge.COMMANDS")
    # a message that bypasses post()/send() could not be checked
    if map_text.count("postMessage(") != 1:
        problems.append("the map must post through its one post() function")
    if parent_js.count("postMessage(") != 1:
        problems.append("the parent page must post through its one send() function")
    for where, text in [(PARENT_JS, parent_js), *map_js.items()]:
        for hit in sorted(set(LITERAL.findall(text))):
            problems.append(f"{where} spells a message name ({hit}) instead of RISKMAP_MSG")
    return problems


def _sources() -> dict:
    map_js = {p: (ASSETS / p).read_text(encoding="utf-8") for p in MAP_SCRIPTS if p != NAMES_JS}
    return {
        "names_js": (ASSETS / NAMES_JS).read_text(encoding="utf-8"),
        "parent_js": (ASSETS / PARENT_JS).read_text(encoding="utf-8"),
        "map_js": map_js,
        "py_names": python_names(),
        "commands": bridge.COMMANDS,
        "events": bridge.EVENTS,
    }


def production_files() -> list[Path]:
    """Our JS and Python production code (not tests, not vendored files, not the venv)."""
    files = [ROOT / "app.py", *sorted((ASSETS).rglob("*.js"))]
    for package in ("risk", "layers", "data", "ui", "bench"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f.is_file() and "vendor" not in f.parts]


# ---------------------------------------------------------------- the real sources


def test_names_senders_and_listeners_agree():
    assert bridge_problems(**_sources()) == []


def test_the_map_page_loads_the_names_first():
    assert MAP_SCRIPTS[0] == NAMES_JS
    # the parent page: Dash loads assets/*.js in alphabetical order, names before riskmap.js
    assert sorted([NAMES_JS, PARENT_JS]) == [NAMES_JS, PARENT_JS]


def test_no_message_name_spelled_outside_the_names_files():
    offenders = []
    for path in production_files():
        if path in NAMES_FILES:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {m}"
                      for m in sorted(set(LITERAL.findall(text)))]
    assert offenders == []


def test_commands_python_builds_are_valid_and_fit_is_one():
    assert bridge.FIT in bridge.COMMANDS
    assert bridge.fit([113.9, 22.5, 114.1, 22.6]) == {
        "type": "riskmap:fit", "bounds": [113.9, 22.5, 114.1, 22.6]}
    assert bridge.batch(bridge.command(bridge.OVERLAY, id="zones")) == {
        "type": "riskmap:batch", "commands": [{"type": "riskmap:overlay", "id": "zones"}]}
    with pytest.raises(ValueError, match=r"`kind` must be one of .*got 'riskmap:ready'"):
        bridge.command(bridge.READY)
    with pytest.raises(ValueError, match=r"`bounds` must be finite \(west, south, east, north\)"):
        bridge.fit([114.1, 22.5, 113.9, 22.6])  # west > east
    with pytest.raises(ValueError, match=r"`bounds` must be"):
        bridge.fit([113.9, 22.5, 114.1])


# ---------------------------------------------------------------- the test can fail


def _planted(**changes) -> list[str]:
    src = _sources()
    for key, edit in changes.items():
        src[key] = edit(src[key])
    return bridge_problems(**src)


def _in_map(old: str, new: str):
    def edit(map_js: dict[str, str]) -> dict[str, str]:
        hits = [k for k, v in map_js.items() if old in v]
        assert hits, f"{old!r} is in no map script"
        return {k: v.replace(old, new) for k, v in map_js.items()}
    return edit


def test_a_renamed_map_listener_is_reported():
    problems = _planted(map_js=_in_map("onCommand(RISKMAP_MSG.OVERLAY", "onCommand(RISKMAP_MSG.OVERLAYS"))
    assert "command OVERLAY has no listener in the map or the parent page" in problems
    assert any("uses RISKMAP_MSG.OVERLAYS, which the names file lacks" in p for p in problems)


def test_an_event_without_a_parent_listener_is_reported():
    problems = _planted(parent_js=lambda t: t.replace("onEvent(RISKMAP_MSG.COUNT", "(RISKMAP_MSG.COUNT"))
    assert problems == ["the map posts COUNT, which the parent page does not listen to"]


def test_a_sent_message_nobody_listens_to_is_reported():
    # what riskmap:enterprise was before this bridge had a test
    problems = _planted(
        names_js=lambda t: t.replace('COUNT: "riskmap:count"',
                                     'COUNT: "riskmap:count", ENTERPRISE: "riskmap:enterprise"'),
        map_js=_in_map("post(RISKMAP_MSG.COUNT", "post(RISKMAP_MSG.ENTERPRISE, {}); post(RISKMAP_MSG.COUNT"))
    assert any(p.startswith("JS names ") for p in problems)
    assert "the map posts ENTERPRISE, which the parent page does not listen to" in problems


def test_a_python_command_without_a_listener_is_reported():
    problems = _planted(map_js=_in_map("onCommand(RISKMAP_MSG.FIT", "void (RISKMAP_MSG.FIT"))
    assert problems == ["command FIT has no listener in the map or the parent page"]


def test_names_that_differ_between_the_sides_are_reported():
    problems = _planted(names_js=lambda t: t.replace('"riskmap:clear-incident"',
                                                     '"riskmap:clearincident"'))
    assert len(problems) == 1 and problems[0].startswith("JS names ")


def test_a_spelled_name_and_a_bypassed_post_are_reported():
    problems = _planted(parent_js=lambda t: t + '\nwindow.postMessage({type: "riskmap:view"}, "*");')
    assert "the parent page must post through its one send() function" in problems
    assert "riskmap.js spells a message name (riskmap:view) instead of RISKMAP_MSG" in problems
