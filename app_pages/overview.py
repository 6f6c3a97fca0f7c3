"""总览地图 — every layer of the plan on one map, with the parcels' status table."""
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import config
from songnan_geo.carrier_store import CarrierStore
from songnan_geo.i18n import field_label, t
from songnan_geo.mapping import build_map
from songnan_geo.store import TrackerError, open_store, resolve_store_url
from songnan_geo.tracker import with_tracked_state

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]

st.title(t("app_title", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")



@st.cache_resource(show_spinner=False)
def _store(url: str, data_dir: str):
    """The tracker's store and the carrier register in it (one per URL and process)."""
    tracker = open_store(url, data_dir=data_dir)
    return tracker, CarrierStore(tracker)


# Parcel status as tracked on 地块进度 and carrier parks as registered on 产业载体, when the
# store opens; else the layers as shipped (the plan's state), said in the caption.
try:
    tracker, register = _store(resolve_store_url(), str(config.data_dir()))
    layers = with_tracked_state(layers, tracker.parcels(), register.current(layers["carrier_parks"]))
    state_note = t("ov_state_from_store", lang)
except TrackerError as exc:
    state_note = t("ov_state_from_layer", lang) + f" ({exc})"

fmap = build_map(layers, manifest, lang=lang, basemap=st.session_state.get("basemap", "blank"))
# returned_objects=[]: panning or zooming does not rerun the script.
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key=f"overview_{lang}")
st.caption(state_note)

st.subheader(t("parcels_table", lang))
cols = ["name" if lang == "zh" else "name_en", "status", "plan_target", "plan_deadline", "zone_id",
        "area_m2", "accuracy_m", "estimated"]
zone_names = dict(zip(layers["zones"]["id"], layers["zones"]["name" if lang == "zh" else "name_en"]))
table = layers["parcels"][cols].assign(zone_id=lambda d: d["zone_id"].map(zone_names))
table = table.fillna("—").rename(columns={c: field_label(c, lang) for c in cols})
st.dataframe(table, hide_index=True, width="stretch")
