"""Layout templates: parsing (clear refusals), the default title from the dataset, and the
producer block, classification and logo on the page (pdftotext)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from layers.print_template import (
    DEFAULT_TEMPLATE_PATH,
    PrintTemplate,
    TemplateError,
    default_title,
    load_template,
    parse_template,
    read_template,
)
from layers.printmap import render_map_pdf

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
    pytest.mark.usefixtures("font_cache"),
]
BUREAU = {"organisation": "深圳市应急管理局", "approval_no": "粤S(2026)001号",
          "classification": "内部", "logo_text": "应急管理", "title": "{place}重点企业分布图",
          "colors": {"accent": "#005a9c"}, "fonts": {"title_pt": 20}}


def test_the_shipped_default_template_is_the_dataclass_default():
    assert load_template() == PrintTemplate()
    assert DEFAULT_TEMPLATE_PATH.name == "print_template.json"


@pytest.mark.parametrize(("obj", "match"), [
    ([], r"expected a JSON object"),
    ({"colors": ["#fff"]}, r"`colors` must be a mapping"),
    ({"organization": "x"}, r"unknown key.*'organization'.*valid keys: organisation"),
    ({"approval_no": 12}, r"`approval_no` must be text"),
    ({"colors": {"title": "notacolour"}}, r"colors.title"),
    ({"colors": {"sky": "#fff"}}, r"colors.sky"),
    ({"fonts": {"title_pt": 99}}, r"fonts.title_pt.*3–40 pt"),
])
def test_bad_templates_are_refused_with_the_key_named(obj, match):
    with pytest.raises(TemplateError, match=match):
        parse_template(obj)


def test_bad_json_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{\"organisation\": ", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"not valid JSON \(line 1"):
        load_template(path)
    with pytest.raises(TemplateError, match="cannot read"):
        load_template(tmp_path / "missing.json")


def test_the_shipped_yaml_template_equals_the_json_one():
    yaml_path = DEFAULT_TEMPLATE_PATH.with_suffix(".yaml")
    assert read_template(yaml_path.read_bytes(), name=yaml_path.name) == \
        json.loads(DEFAULT_TEMPLATE_PATH.read_text(encoding="utf-8"))
    assert load_template(yaml_path) == load_template(DEFAULT_TEMPLATE_PATH)


def test_a_yaml_template_reads_like_the_json_one(tmp_path):
    path = tmp_path / "bureau.yml"
    path.write_text("\n".join([
        "organisation: 深圳市应急管理局", "approval_no: 粤S(2026)001号", "classification: 内部",
        "logo_text: 应急管理", 'title: "{place}重点企业分布图"  # quoted', "colors:",
        '  accent: "#005a9c"', "fonts: {title_pt: 20}"]), encoding="utf-8")
    assert load_template(path) == parse_template(BUREAU)
    # no ending to go by: JSON when it starts with "{", else YAML
    assert read_template('{"organisation": "某局"}') == read_template("organisation: 某局")


@pytest.mark.parametrize(("text", "match"), [
    ("organisation: 某局\nfonts: {title_pt: 18\n", r"not valid YAML \(line 3, column 1"),
    ("organisation: a\nlogo_text: b\norganisation: c\n",
     r"line 3, column 1: key 'organisation' given twice"),
    ("organisation: 某局\n\tlogo_text: x\n", r"line 2, column 1: .*'\\t'"),
    ("title: {place}图\n", r"not valid YAML \(line 1"),
    ("", r"got nothing \(an empty file\)"),
    ("- organisation\n", r"expected a JSON object .* or a YAML mapping"),
    ("colors: red\n", r"`colors` must be a mapping"),
    ("organisation: 2026-01-01\n", r"`organisation` must be text"),
    ("fonts: {label_pt: 1}\n", r"fonts.label_pt.*3–40 pt"),
])
def test_bad_yaml_files_are_refused_with_the_line(tmp_path, text, match):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError, match=match) as info:
        load_template(path)
    assert str(path) in str(info.value)


def test_default_title_follows_the_dataset():
    assert default_title({"title": "东莞市安全风险样例数据"}) == "东莞市安全风险分布图"
    assert default_title({"title": "深圳市安全风险样例数据（合成）"},
                         parse_template(BUREAU)) == "深圳市重点企业分布图"
    assert default_title({"title": "x"}, districts=["福田区"]) == "福田区安全风险分布图"
    assert default_title({"title": "Sample"}) == "安全风险分布图"


def test_template_fields_are_printed(small_dataset, tmp_path):
    path = tmp_path / "bureau.json"
    path.write_text(json.dumps(BUREAU, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "t.pdf"
    render_map_pdf(small_dataset, out=out, title="模板测试", template=load_template(path))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needle in ("制图单位 Producer：深圳市应急管理局", "审图号 Approval No.：粤S(2026)001号",
                   "密级 Classification：内部", "密级：内部", "应急管理", "制图日期 Date："):
        assert needle in text, needle
