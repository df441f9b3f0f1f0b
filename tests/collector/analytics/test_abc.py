"""ABC classes by COGS, by hand."""

from __future__ import annotations

from decimal import Decimal

from collector.analytics.abc import abc_classes

D = Decimal


def test_abc_by_hand() -> None:
    # Total 1,000. Share held by the items before each: X 0 → A, Y 0.50 → A (it crosses
    # 80 %: still A), Z 0.80 → B, W 0.90 → B, V 0.96 → C; U sold nothing → C.
    cogs = {"V": D(40), "W": D(60), "X": D(500), "Y": D(300), "Z": D(100), "U": D(0)}
    lines = abc_classes(cogs)
    assert [(x.sku, x.abc_class) for x in lines] == [
        ("X", "A"), ("Y", "A"), ("Z", "B"), ("W", "B"), ("V", "C"), ("U", "C"),
    ]  # fmt: skip
    assert [x.cumulative_share for x in lines] == [
        D("0.5"), D("0.8"), D("0.9"), D("0.96"), D(1), D(1),
    ]  # fmt: skip
    assert lines[2].share == D("0.1")


def test_ties_go_by_sku_and_negative_cogs_is_a_c() -> None:
    lines = abc_classes({"B": D(50), "A": D(50), "R": D(-5)})
    assert [(x.sku, x.abc_class) for x in lines] == [("A", "A"), ("B", "A"), ("R", "C")]
    assert lines[-1].share == D(0)


def test_no_items_no_lines() -> None:
    assert abc_classes({}) == []
