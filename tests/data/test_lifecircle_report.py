"""生活圈体检报告: the command writes a PDF that pypdf reads (every type, its map, the
targets, the data-quality statement) and an HTML file with every text escaped."""
from __future__ import annotations

import pypdf
import pytest

from songnan_geo.cli import main
from songnan_geo.layers.io import load_all_layers
from songnan_geo.lifecircle import scenario as sc
from songnan_geo.reports.lifecircle import build_report, render_html

# The whole town's report, PDF and HTML (about 10 s): left out of the fast loop.
pytestmark = pytest.mark.slow

LAYERS = load_all_layers()


@pytest.fixture(scope="module")
def pdf_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep")
    assert main(["lifecircle-report", "--out", str(out), "--method", "euclidean"]) == 0
    return pypdf.PdfReader(next(out.glob("*.pdf")))


def test_pdf_has_every_type_its_map_and_the_targets(pdf_run):
    text = "".join(p.extract_text() for p in pdf_run.pages).replace("\n", "")
    r = sc.run_scenario(LAYERS, method="euclidean")
    assert "淞南镇生活圈体检报告" in text and "直线距离（上限）" in text
    for row in r.per_type.itertuples():
        assert f"{row.type}：{sc.pct(row.share)}（直线距离（上限），{row.radius_m:g} 米）" in text
    assert "与 2025 年目标85.0 % 的差距" in text or "与 2025 年目标 85.0 % 的差距" in text
    assert "个百分点" in text and "99.0 %" in text
    assert "处为估计位置" in text and "方法与数据质量说明" in text
    images = sum(len(p.images) for p in pdf_run.pages)
    assert images == len(r.types)   # one map per type
    fonts = {str(p["/Resources"]["/Font"][k].get_object()["/BaseFont"]) for p in pdf_run.pages
             for k in p["/Resources"].get("/Font", {})}
    assert fonts and all("WenQuanYi" in f for f in fonts), fonts   # CJK font embedded, no other


def test_html_escapes_data_text(tmp_path):
    layers = dict(LAYERS)
    res = layers["residential"].copy()
    res.loc[0, "name"] = "<script>alert(1)</script>{{ 7*7 }}"
    layers["residential"] = res
    rep = build_report(layers, method="euclidean", lang="en")
    html = render_html(rep)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Every type within reach (basket)" in html and html.count("<img ") == len(rep.result.types)


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["lifecircle-report", "--out", str(tmp_path), "--standard", "nope"]) == 2
    assert "error:" in capsys.readouterr().err and not list(tmp_path.iterdir())
