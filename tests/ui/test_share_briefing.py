"""``/share/<n>/briefing.pdf`` (ui/app.py): the field briefing of a saved incident, behind the
login and the user's districts, through Flask's test client."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from data.accounts import Accounts
from data.incidents import Incident, incidents_for
from ui.app import create_app

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None,
                       reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.usefixtures("font_cache"),
]
ORIGIN = {"Origin": "http://localhost"}
PASSWORD = "correct horse battery"
NANSHAN = "南山区"


@pytest.fixture(scope="module")
def bureau(small_sample, tmp_path_factory):
    """An app on a copy of the sample with an analyst, a 南山区 commander and two incidents:
    one in 福田区, one in 南山区."""
    root = tmp_path_factory.mktemp("briefing") / "data"
    shutil.copytree(small_sample, root, ignore=shutil.ignore_patterns("riskmap.sqlite*",
                                                                       "versions"))
    app = create_app(root, warm=False)
    acc = Accounts(app.state.store.db)
    acc.add("analyst", role="analyst", password=PASSWORD, actor="test")
    acc.add("nanshan", role="commander", password=PASSWORD, districts=[NANSHAN], actor="test")
    frame = app.state.dataset.districts
    inside = frame[frame["name"] == NANSHAN].geometry.iloc[0].representative_point()
    store = incidents_for(app.state.store)
    futian = store.add(Incident(lon=114.0579, lat=22.5431, type="hazmat", note="储罐泄漏"))
    nanshan = store.add(Incident(lon=round(inside.x, 6), lat=round(inside.y, 6), type="fire"))
    windy = store.add(Incident(lon=114.0579, lat=22.5431, type="gas", wind_from_deg=225.0,
                               downwind_m=8000.0))
    app.ids = {"futian": futian, "nanshan": nanshan, "windy": windy}  # type: ignore[attr-defined]
    return app


def login(app, name: str):
    c = app.server.test_client()
    c.get("/login")
    with c.session_transaction() as session:
        token = session["riskmap_csrf"]
    resp = c.post("/login", data={"username": name, "password": PASSWORD, "csrf": token,
                                  "next": "/"}, headers=ORIGIN)
    assert resp.status_code == 302
    return c


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_a_login_is_needed(bureau):
    c = bureau.server.test_client()
    path = f"/share/{bureau.ids['futian']}/briefing.pdf"
    resp = c.get(path)
    assert resp.status_code == 401 and "请先登录" in resp.get_json()["error"]
    page = c.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=/share/")


def test_a_logged_in_user_gets_the_one_page_pdf_in_their_language(bureau, tmp_path):
    from pypdf import PdfReader

    c = login(bureau, "analyst")
    number = bureau.ids["futian"]
    resp = c.get(f"/share/{number}/briefing.pdf?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert f'filename="briefing-{number}-en.pdf"' in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"
    assert len(PdfReader(io.BytesIO(resp.data)).pages) == 1
    text = pdf_text(resp.data, tmp_path)
    assert "Field briefing" in text and f"Incident #{number}" in text
    assert "Hazardous-chemical release" in text and "Futian" in text and "储罐泄漏" in text
    assert "Scan to open" in text  # the QR code of the share link
    zh = pdf_text(c.get(f"/share/{number}/briefing.pdf").data, tmp_path)
    assert zh.lstrip().startswith("现场处置简报") and "核心区（禁入）" in zh


def test_a_saved_wind_draws_and_counts_the_downwind_area(bureau, tmp_path):
    c = login(bureau, "analyst")
    text = pdf_text(c.get(f"/share/{bureau.ids['windy']}/briefing.pdf").data, tmp_path)
    assert "燃气泄漏" in text and "下风向防护区" in text
    assert "225°" in text and "8 km" in text
    plain = pdf_text(c.get(f"/share/{bureau.ids['futian']}/briefing.pdf").data, tmp_path)
    assert "下风向防护区" not in plain


def test_a_district_user_sees_only_incidents_in_their_districts(bureau, tmp_path):
    c = login(bureau, "nanshan")
    outside = c.get(f"/share/{bureau.ids['futian']}/briefing.pdf")
    assert outside.status_code == 403
    assert "outside your districts" in outside.get_json()["error"]
    inside = c.get(f"/share/{bureau.ids['nanshan']}/briefing.pdf")
    assert inside.status_code == 200 and inside.mimetype == "application/pdf"
    text = pdf_text(inside.data, tmp_path)
    assert "火灾爆炸" in text and NANSHAN in text


def test_unknown_incidents_are_404(bureau):
    c = login(bureau, "analyst")
    for path in ("/share/99999/briefing.pdf", "/share/0/briefing.pdf"):
        resp = c.get(path)
        assert resp.status_code == 404, path
        assert "error" in resp.get_json()
