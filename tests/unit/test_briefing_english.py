"""The English briefing is English (issue 16); the Chinese one says what it said before.

English: every label, enumerated value, unit and list separator is English; names are the data's
English names; quoted plan text and other data text are the glossary's translations. Chinese is
left only where the brief allows it: the site's own Chinese name after its English one in the
title, the official Chinese term of a status in brackets, street addresses (no English form in the
data), and the quoted plan passages' originals, listed after the notes (folded in the HTML).
"""
from __future__ import annotations

import dataclasses
import io
import json
import re
from html.parser import HTMLParser

import pytest
from conftest import DATA_DIR
from pypdf import PdfReader
from test_briefing import layers, manifest  # noqa: F401  (the shipped layers, once per module)

from songnan_geo.briefing import facts as bf
from songnan_geo.briefing.render import briefing_view, make_briefing
from songnan_geo.layers.io import load_all_layers
from songnan_geo.text.glossary import TERMS, TEXTS, gloss
from songnan_geo.text.i18n import VALUE_LABELS, t

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")



SITES = [s.id for s in bf.list_sites(load_all_layers(DATA_DIR))]


def allowed_chinese(b: bf.Briefing) -> list[str]:
    """The Chinese an English briefing of ``b`` may print (outside the originals' appendix)."""
    allowed = [f"({b.site.name})"]                      # after the English name, in the title
    allowed += [f"({zh})" for zh in VALUE_LABELS]       # official term after an English status
    if b.address:
        allowed.append(b.address)                        # an address has no English form
    return sorted(allowed, key=len, reverse=True)


def leftover_chinese(text: str, allowed: list[str]) -> list[str]:
    for a in allowed:
        text = text.replace(a, " ")
    return sorted({m.group(0) for m in re.finditer(r"\S*" + CJK.pattern + r"\S*", text)})


def view_texts(v) -> list[str]:
    """Every text of a view except the originals' appendix."""
    d = dataclasses.asdict(v)
    d.pop("originals")
    return list(_strings(d))


def _strings(x):
    """The strings inside nested dicts, lists and tuples, depth first."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, (dict, list, tuple)):
        for y in (x.values() if isinstance(x, dict) else x):
            yield from _strings(y)


class _Visible(HTMLParser):
    """Text of an HTML document outside <details> (folded), <style> and <title>."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden, self.folded = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("details", "style", "title"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("details", "style", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        (self.folded if self.hidden else self.parts).append(data)


# --------------------------------------------------------------------------- catalogues

def test_every_facility_type_has_an_english_term():
    schema = json.loads((DATA_DIR / "schema" / "facilities.schema.json").read_text(encoding="utf-8"))
    types = set(schema["properties"]["type"]["enum"])
    assert len(types) >= 14 and types - set(VALUE_LABELS) == set()
    assert all(not CJK.search(VALUE_LABELS[x]) for x in types)


def test_glossary_is_english_and_looks_up_exact_text_and_term_lists():
    for zh, en in {**TERMS, **TEXTS}.items():
        assert CJK.search(zh) and not CJK.search(en), (zh, en)
    assert gloss("规划设计、文化创意") == "planning and design, creative industries"
    assert gloss("规划设计、无此词") is None          # one unknown term: no gloss at all
    assert gloss("重点企业") == "key enterprise" and gloss(None) is None and gloss("  ") is None
    text = next(iter(TEXTS))
    assert gloss(text + "。") is None                  # a changed text loses its gloss


# --------------------------------------------------------------------------- English

@pytest.mark.parametrize("site_id", SITES)
def test_english_view_has_no_chinese_but_allowed_names(layers, site_id):
    b = bf.briefing_facts(layers, site_id)
    v = briefing_view(b, "en")
    texts = view_texts(v)
    left = leftover_chinese("\n".join(texts), allowed_chinese(b))
    assert left == [], f"{site_id}: Chinese in the English briefing: {left}"
    # every data text of the shipped layers has its gloss: nothing marked as untranslated
    assert not any(t("bf_untranslated", "en") in x for x in texts)
    # the quoted passages' originals are kept, exactly as the data has them
    quoted = [z.role_quote for z in b.zones] + [z.industries_quote for z in b.zones if z.industries_quote]
    if b.plan_quote and b.site.kind != "zone":
        quoted.append(b.plan_quote)
    assert sorted(set(v.originals)) == sorted(set(quoted))


def test_english_names_units_and_separators(layers):
    b = bf.briefing_facts(layers, "p_hubei_logistics")
    v = briefing_view(b, "en")
    stations = layers["metro_stations"].set_index("id")
    assert [r[0] for r in v.tables[0].rows] == [stations.at[s.id, "name_en"] for s in b.stations]
    assert {r[1] for r in v.tables[0].rows} <= {"Line 3", "Line 18"}
    facilities = v.tables[3]
    assert [r[0] for r in facilities.rows] == [VALUE_LABELS[f.type] for f in b.facilities]
    assert all(re.fullmatch(r"[\d,]+ m( \[est\.\])?", r[2]) for r in facilities.rows)
    assert dict(v.facts)["Area"] == "20.31 ha (203,100 m²) [est.]"
    # 沪北 is North Shanghai, not the province
    assert v.title.startswith("North Shanghai Logistics parcel") and "Hubei" not in " ".join(view_texts(v))
    assert "、" not in " ".join(view_texts(v)) and "：" not in " ".join(view_texts(v))
    assert v.contact == t("bf_contact_placeholder", "en") and not CJK.search(v.contact)


def test_english_enterprises_and_parks_in_english(layers):
    b = bf.briefing_facts(layers, "c_zkcz", neighbour_radius_m=5000)
    v = briefing_view(b, "en")
    ents = {r[0]: r[1] for r in v.tables[2].rows}
    assert ents["Zhongke Chuangzhi"] == "Key enterprise; at Zhongke Chuangzhi International S&T Centre"
    assert ents["Weimob"] == "Quality enterprise (to be fostered); at Weimob Headquarters"
    parks = {r[0]: r[1] for r in v.tables[1].rows}
    assert parks["Tongji Creative Park phase 1"] == "Planning and design, creative industries"


@pytest.mark.parametrize("site_id", ["p_hubei_logistics", "c_design_centre", "belt_yixian"])
def test_english_documents_show_no_chinese_but_allowed(layers, manifest, site_id):
    out = make_briefing(layers, manifest, site_id, lang="en", dpi=40, contact="Investment office")
    b = out.facts
    allowed = allowed_chinese(b)
    parser = _Visible()
    parser.feed(out.documents["html"].decode("utf-8"))
    assert leftover_chinese("".join(parser.parts), allowed) == []
    folded = "".join(parser.folded)
    assert all(o in folded for o in briefing_view(b, "en").originals)
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.documents["pdf"])).pages)
    head, _, appendix = pdf.partition(t("bf_originals", "en").split(" (")[0])
    assert appendix, "the PDF lists the quoted passages' originals"
    squash = re.compile(r"\s+")
    assert leftover_chinese(squash.sub(" ", head), [squash.sub(" ", a) for a in allowed]) == []
    assert squash.sub("", b.zones[0].role_quote) in squash.sub("", appendix)


def test_english_text_from_an_editor_without_gloss_is_shown_and_escaped(layers, manifest):
    """A theme typed on 产业载体 has no gloss: printed as typed, marked, and escaped like any data."""
    hostile = {k: v.copy() for k, v in layers.items()}
    parks = hostile["carrier_parks"]
    theme = '<script>alert(1)</script>新主题 & <b>'
    parks.loc[parks["id"] == "c_weipu", "theme"] = theme
    parks.loc[parks["id"] == "c_weipu", "name_en"] = "<img src=x onerror=alert(1)> Weipu"
    out = make_briefing(hostile, manifest, "c_weipu", lang="en", dpi=40, contact="x")
    html = out.documents["html"].decode("utf-8")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;新主题 &amp; &lt;b&gt; (Chinese only" in html
    assert "&lt;img src=x onerror=alert(1)&gt; Weipu" in html
    pdf = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        out.documents["pdf"])).pages))
    assert re.sub(r"\s+", "", theme) in pdf


# --------------------------------------------------------------------------- Chinese

@pytest.mark.parametrize("site_id", ["p_hubei_logistics", "p_ferroalloy", "c_zkcz", "centre"])
def test_chinese_view_is_the_data_in_chinese(layers, site_id):
    """The Chinese briefing prints the layers' own words: names, types, lines, quotes, sources."""
    b = bf.briefing_facts(layers, site_id, neighbour_radius_m=3000)
    v = briefing_view(b, "zh")
    assert v.title == b.site.name and v.originals == [] and v.colon == "："
    assert [r[:2] for r in v.tables[0].rows] == [[s.name, s.lines] for s in b.stations]
    assert [r[:2] for r in v.tables[1].rows] == [
        [p.name + ("（亿元楼）" if p.yiyuan_lou else ""), p.theme] for p in b.parks]
    assert [r[:2] for r in v.tables[2].rows] == [
        [e.name, f"{e.group}；位于{e.park_name}"] for e in b.enterprises]
    assert [r[:2] for r in v.tables[3].rows] == [[f.type, f.nearest_name] for f in b.facilities]
    facts = v.facts
    for z in b.zones:
        assert ("规划定位（原文）", f"{z.name}：“{z.role_quote}”（{z.plan_ref}）") in facts
    if b.plan_quote and b.site.kind != "zone":
        assert ("规划原文", f"“{b.plan_quote}”") in facts
    assert v.notes == [t("bf_note_estimated", "zh"), b.source]
    assert v.contact == bf.CONTACT_PLACEHOLDER and "待填写" in v.contact
    assert v.tool == "淞南镇产业布局规划工具"
    # no English word from the English catalogue or glossary slipped in
    text = "\n".join(view_texts(v))
    assert "Line 18" not in text and "[est.]" not in text and "; at " not in text
