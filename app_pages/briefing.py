"""招商简报 — an investment briefing (map + facts) for a parcel, carrier park or zone, as HTML and PDF."""
import datetime as dt
import json

import streamlit as st

from songnan_geo import clock, config
from songnan_geo.briefing.facts import SITE_LAYERS, list_sites, status_by_parcel
from songnan_geo.briefing.map import CJKFontMissingError
from songnan_geo.briefing.render import FORMATS, briefing_filename, format_m, make_briefing
from songnan_geo.store.tracker import TrackerError
from songnan_geo.text.i18n import t, value_label
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.stores import open_stores

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]

st.title(t("briefing", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")


@st.cache_data(show_spinner=False, max_entries=64, ttl=900)  # ttl: a basemap may come back
def _briefing(site_id: str, lang: str, basemap: str, day: str, data_key: str, status_key: str,
              parks_key: str, _layers, _manifest, _status):
    """The site's briefing (facts, map, HTML and PDF); one per site, language, basemap, day,
    data and tracked status. An online basemap is drawn under the map when reachable."""
    return make_briefing(_layers, _manifest, site_id, lang=lang, basemap=basemap,
                         as_of=dt.date.fromisoformat(day), status=_status)


# Parcel status comes from the tracker's store (地块进度) and the carrier parks from its register
# (产业载体: editors' corrections and added parks) when the store opens, else from the layers.
data_dir = str(config.data_dir())
try:
    stores = open_stores()
    status = status_by_parcel(stores.tracker.parcels())
    layers = {**layers, "carrier_parks": stores.carriers.current(layers["carrier_parks"])}
    status_note = t("bf_status_from_store", lang)
except TrackerError as exc:
    status, status_note = None, t("bf_status_from_layer", lang) + f" ({markdown_text(exc)})"
parks_key = ",".join(f"{i}:{v}" for i, v in zip(layers["carrier_parks"]["id"],
                                                  layers["carrier_parks"].get("version", 0)))


c1, c2 = st.columns([1, 2])
kind = c1.radio(t("bf_choose_kind", lang), list(SITE_LAYERS), key="briefing_kind",
                format_func=lambda k: t(f"bf_kind_{k}", lang))
sites = {r.id: r for r in list_sites(layers, kind)}
site_id = c2.selectbox(t("bf_choose_site", lang), list(sites), key=f"briefing_site_{kind}",
                       format_func=lambda i: sites[i].name if lang == "zh"
                       else f"{sites[i].name_en} ({sites[i].name})")

try:
    with st.spinner(t("briefing", lang) + " …"):
        out = _briefing(site_id, lang, st.session_state.get("basemap", "blank"),
                        clock.today().isoformat(), data_dir, json.dumps(status, sort_keys=True),
                        parks_key, layers, manifest, status)
except CJKFontMissingError as exc:
    st.error(t("bf_font_missing", lang))
    st.code(str(exc), language=None)
    st.stop()

facts = out.facts
near = facts.nearest_station
est = "〔估〕" if lang == "zh" else " (est.)"
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("bf_area_ha", lang), "—" if facts.area_ha is None else
          f"{facts.area_ha:,.2f}" + (est if facts.geometry_estimated else ""))
m2.metric(t("bf_nearest_station", lang), near.name if near else "—")
m3.metric(t("bf_straight", lang), format_m(near.straight_m, lang, near.estimated) if near else "—")
m4.metric(t("bf_status", lang), value_label(facts.status, lang, False) or "—")
st.caption(status_note)

d1, d2, _ = st.columns([1, 1, 3])
for col, fmt, key in ((d1, "html", "bf_download_html"), (d2, "pdf", "bf_download_pdf")):
    col.download_button(t(key, lang), out.documents[fmt], file_name=briefing_filename(site_id, fmt, lang),
                        mime=FORMATS[fmt], key=f"briefing_dl_{fmt}", on_click="ignore")

st.subheader(t("bf_preview", lang))
st.iframe(out.documents["html"].decode("utf-8"), height=1100)
