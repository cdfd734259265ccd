import pandas as pd
import pytest

from risk.grades import GRADES, Grade, GradeError, parse_grade, parse_grades


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红", Grade.RED), ("红色", Grade.RED), ("重大", Grade.RED), ("重大风险", Grade.RED),
        ("red", Grade.RED), ("RED", Grade.RED), ("A", Grade.RED), ("1", Grade.RED), (1, Grade.RED),
        (1.0, Grade.RED), ("１", Grade.RED), (" 红色 ", Grade.RED), ("红色风险", Grade.RED),
        ("橙", Grade.ORANGE), ("橙色", Grade.ORANGE), ("较大", Grade.ORANGE),
        ("较大风险", Grade.ORANGE), ("orange", Grade.ORANGE), ("b", Grade.ORANGE), ("2", Grade.ORANGE),
        ("黄", Grade.YELLOW), ("一般", Grade.YELLOW), ("一般风险", Grade.YELLOW),
        ("Yellow", Grade.YELLOW), ("C", Grade.YELLOW), ("3", Grade.YELLOW),
        ("蓝", Grade.BLUE), ("蓝色", Grade.BLUE), ("低", Grade.BLUE), ("低风险", Grade.BLUE),
        ("blue", Grade.BLUE), ("D", Grade.BLUE), ("4", Grade.BLUE), ("ｄ", Grade.BLUE),
    ],
)
def test_parse_grade_accepts_what_users_type(text, expected):
    assert parse_grade(text) is expected


@pytest.mark.parametrize("text", ["紫", "5", "E", "high", "", "重大风险?", None, float("nan")])
def test_parse_grade_refuses_and_lists_valid_values(text):
    with pytest.raises(GradeError, match="valid values: 红/红色/重大"):
        parse_grade(text)


def test_order_most_severe_first():
    assert list(GRADES) == [Grade.RED, Grade.ORANGE, Grade.YELLOW, Grade.BLUE]
    assert sorted([Grade.BLUE, Grade.RED, Grade.ORANGE, Grade.YELLOW]) == list(GRADES)
    assert Grade.RED < Grade.BLUE
    assert [g.severity for g in GRADES] == [4, 3, 2, 1]


def test_labels_and_colours_are_distinct():
    assert len({g.color for g in GRADES}) == 4
    assert [g.label_zh for g in GRADES] == ["重大风险", "较大风险", "一般风险", "低风险"]
    assert all(g.label("en") and g.label("en") != g.label("zh") for g in GRADES)


def test_parse_grades_keeps_index_and_reports_each_failure():
    codes, errors = parse_grades(pd.Series(["红", "x", "低风险", None], index=[10, 11, 12, 13]))
    assert codes.tolist() == ["red", None, "blue", None]
    assert list(errors.index) == [10, 11, 12, 13]
    assert errors[10] is None and errors[12] is None
    assert "'x'" in errors[11] and "empty" in errors[13]
