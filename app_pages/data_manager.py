"""数据管理 — view and export any layer (GeoJSON, GeoPackage, zipped Shapefile, CSV, XLSX); an
editor logged in with the app's one login also imports a file as a new layer or an update (check,
preview, confirm, undo: :mod:`songnan_ui.layer_import`) or OpenStreetMap data
(:mod:`songnan_ui.osm_import`), each write checked against the layer version its preview showed and
recorded with the editor's name."""
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import config
from songnan_geo.layers.exporter import FORMATS as EXPORT_FORMATS, export_layer
from songnan_geo.layers.layerstore import LayerStore, StoreError
from songnan_geo.layers.preview import export_filename
from songnan_geo.maps.folium_map import build_map
from songnan_geo.text.i18n import layer_title, t
from songnan_ui.layer_import import layer_import_section
from songnan_ui.login import editor_login
from songnan_ui.osm_import import osm_import_section
from songnan_ui.page import error_text, page_context, show_error, stores_or_none

ctx = page_context()
lang, layers, manifest = ctx.lang, ctx.layers, ctx.manifest
data_dir = str(config.data_dir())

st.title(t("data_manager", lang))
st.caption(t("dm_intro", lang))

flash = st.session_state.pop("dm_flash", None)
if flash:
    st.success(flash)

try:
    store, store_error = LayerStore(data_dir), None
except StoreError as exc:
    store, store_error = None, error_text(exc, ctx.lang)   # the planner's sentence, no paths

# One login for the whole app (the tracker's store keeps the failed logins). Viewers see the
# layers and the exports only; every write below needs the editor returned here.
stores = stores_or_none(lang, "dm_login_unavailable")
editor = None if stores is None else editor_login(stores.tracker, lang, key="dm",
                                                  readonly_note=t("dm_readonly_viewer", lang))

if editor is not None:
    tab_import, tab_osm, tab_layers = st.tabs([t("dm_import", lang), t("osm_title", lang),
                                               t("dm_layers", lang)])
    with tab_import:
        layer_import_section(ctx, store, store_error, editor, data_dir)
    with tab_osm:
        osm_import_section(store, editor, layers, lang)
else:   # a viewer: the layers and their exports only, no write widget at all
    tab_layers = st.container()
    with tab_layers:
        st.subheader(t("dm_layers", lang))

# --------------------------------------------------------------------------- layers and export (everyone)
with tab_layers:
    c1, c2, c3 = st.columns(3)
    ex_layer = c1.selectbox(t("choose_layer", lang), list(manifest["layers"]), key="dm_export_layer",
                            format_func=lambda n: layer_title(manifest["layers"][n], lang))
    fmt = c2.selectbox(t("dm_export_format", lang), list(EXPORT_FORMATS), key="dm_export_format",
                       format_func=lambda f: EXPORT_FORMATS[f][2])
    coords = c3.selectbox(t("dm_export_crs", lang), ["wgs84", "gcj02", "bd09", "EPSG:4490",
                                                     "EPSG:4549", "EPSG:4550"],
                          key="dm_export_crs", format_func=lambda c: t(f"dm_crs_{c}", lang)
                          if c in ("wgs84", "gcj02", "bd09") else c)
    if fmt == "shp":
        st.caption(t("dm_shp_note", lang))
    try:
        data = export_layer(layers[ex_layer], fmt, ex_layer, target=coords)
    except Exception as exc:  # never a traceback on the page
        show_error(exc, lang, t("dm_unexpected", lang))
    else:
        suffix, mime, _ = EXPORT_FORMATS[fmt]
        st.download_button(t("dm_download", lang), data, file_name=export_filename(ex_layer, suffix, coords),
                           mime=mime, key="dm_download")
    st.caption(t("dm_layer_preview", lang))
    shown_layers = {n: layers[n] for n in dict.fromkeys(["boundary", ex_layer]) if n in layers}
    st_folium(build_map(shown_layers, manifest, lang=lang, basemap=ctx.basemap),
              height=420, use_container_width=True, returned_objects=[], key=f"dm_layer_map_{lang}")
    st.dataframe(layers[ex_layer].drop(columns="geometry").head(200), hide_index=True,
                 width="stretch", key="dm_layer_table")
