"""招商简报 — an investment briefing (map + facts) for a parcel, carrier park or zone, as HTML and PDF."""
import datetime as dt
import json

import streamlit as st

from songnan_geo import clock, config
from songnan_geo.briefing.facts import (
    SITE_LAYERS,
    default_contact,
    list_sites,
    parks_version_key,
    status_by_parcel,
)
from songnan_geo.briefing.map import CJKFontMissingError
from songnan_geo.briefing.render import FORMATS, briefing_filename, est_mark, format_m, make_briefing
from songnan_geo.store.tracker import TrackerError
from songnan_geo.text.i18n import t, value_label
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.page import page_context, select_per_language, show_error
from songnan_ui.stores import open_stores

ctx = page_context()
lang, layers, manifest = ctx.lang, ctx.layers, ctx.manifest

st.title(t("briefing", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")


@st.cache_data(show_spinner=False, max_entries=64, ttl=900)  # ttl: a basemap may come back
def _briefing(site_id: str, lang: str, basemap: str, day: str, data_key: str, status_key: str,
              parks_key: str, contact: str, _layers, _manifest, _status):
    """The site's briefing (facts, map, HTML and PDF); one per site, language, basemap, day,
    data and tracked status. An online basemap is drawn under the map when reachable."""
    return make_briefing(_layers, _manifest, site_id, lang=lang, basemap=basemap,
                         as_of=dt.date.fromisoformat(day), status=_status,
                         contact=contact or None)


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
parks_key = parks_version_key(layers["carrier_parks"])


# One widget per language, the choice kept apart so that it survives the language switch: the
# site box by select_per_language (a choice per kind), the kind's radio the same way.
kinds = list(SITE_LAYERS)
c1, c2 = st.columns([1, 2])
kind = c1.radio(t("bf_choose_kind", lang), kinds, key=f"briefing_kind_{lang}",
                index=kinds.index(st.session_state.get("briefing_kind", kinds[0])),
                format_func=lambda k: t(f"bf_kind_{k}", lang))
st.session_state["briefing_kind"] = kind
sites = {r.id: r for r in list_sites(layers, kind)}
site_id = select_per_language(c2, t("bf_choose_site", lang), sites, f"briefing_site_{kind}", lang,
                              lambda i: sites[i].name if lang == "zh" or sites[i].name_en in (
                                  "", sites[i].name) else f"{sites[i].name_en} ({sites[i].name})")

configured, placeholder = default_contact()
contact = st.text_input(t("bf_contact_input", lang), value="" if placeholder else configured,
                        key="briefing_contact", help=t("bf_contact_help", lang)).strip()

try:
    with st.spinner(t("briefing", lang) + " …"):
        out = _briefing(site_id, lang, ctx.basemap,
                        clock.today().isoformat(), data_dir, json.dumps(status, sort_keys=True),
                        parks_key, contact, layers, manifest, status)
except CJKFontMissingError as exc:
    show_error(exc, lang, t("bf_font_missing", lang))
    st.stop()

facts = out.facts
near = facts.nearest_station
est = est_mark(lang)
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("bf_area_ha", lang), "—" if facts.area_ha is None else
          f"{facts.area_ha:,.2f}" + (est if facts.geometry_estimated else ""))
# text, not st.metric: a long name ("West Changjiang Road") must not be cut short
near_name = ((near.name_en or near.name) if lang == "en" else near.name) if near else "—"
m2.markdown(f"{t('bf_nearest_station', lang)}  \n**{markdown_text(near_name)}**")
m3.metric(t("bf_straight", lang), format_m(near.straight_m, lang, near.estimated) if near else "—")
# text, not st.metric: a long status ("Preparing for construction") must not be cut short
m4.markdown(f"{t('bf_status', lang)}  \n**{markdown_text(value_label(facts.status, lang, False) or '—')}**")
st.caption(status_note)

if not contact:  # an investor document is never exported with the placeholder contact
    st.warning(t("bf_contact_needed", lang))
d1, d2, _ = st.columns([1, 1, 3])
for col, fmt, key in ((d1, "html", "bf_download_html"), (d2, "pdf", "bf_download_pdf")):
    col.download_button(t(key, lang), out.documents[fmt], file_name=briefing_filename(site_id, fmt, lang),
                        mime=FORMATS[fmt], key=f"briefing_dl_{fmt}", on_click="ignore",
                        disabled=not contact)

st.subheader(t("bf_preview", lang))
st.iframe(out.documents["html"].decode("utf-8"), height="content")  # the whole document, no inner cut
