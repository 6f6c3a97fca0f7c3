"""生活圈覆盖 — the standard's indicators per facility type, the basket, 居委 gaps, candidate
and best new sites, the health-check report. Widgets → songnan_geo.scenario → render."""
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import clock
from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.layers.exporter import export_layer
from songnan_geo.lifecircle import recommend, scenario as sc, standards as sd
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.maps.clicks import clicked_lonlat
from songnan_geo.maps.coverage_map import build_coverage_base_map, coverage_overlays
from songnan_geo.reports.lifecircle import build_report, report_bytes, report_filename
from songnan_geo.text.i18n import field_label, t, value_label
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.coverage_sections import best_sites_section, standards_sections
from songnan_ui.page import select_per_language, show_error
from songnan_ui.stores import entered_populations

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]
basemap = st.session_state.get("basemap", "blank")
ALL = sd.ALL_TYPES


@st.cache_resource(show_spinner=False)
def walk_network(_roads: gpd.GeoDataFrame, key: str) -> WalkNetwork:
    return WalkNetwork.from_roads(_roads)


st.title(t("coverage", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")
st.caption(t("cov_intro", lang))
standards = sd.load_standards()
types = list(dict.fromkeys(layers["facilities"]["type"]))
c1, c2, c3, c4 = st.columns([3, 3, 3, 2])
type_label = lambda v: value_label(v, lang, with_original=False)  # noqa: E731
ftype = select_per_language(c1, t("cov_type", lang), [ALL] + types, "cov_type", lang,
                            lambda v: t("cov_all_types", lang) if v == ALL else type_label(v))
std_id = c2.selectbox(t("cov_standard", lang), sd.standard_ids(standards), key="cov_standard",
                      format_func=lambda s: sd.standard_title(standards, s, lang))
method = c3.radio(t("cov_method", lang), list(sc.METHODS), key="cov_method",
                  format_func=lambda m: t(f"cov_method_{m}", lang))
basis = c4.radio(t("cov_basis", lang), list(sc.BASES), key="cov_basis",
                 format_func=lambda b: t(f"cov_basis_{b}", lang))
radius = sd.radius_by_type(standards, std_id, types)
if [x for x in types if x not in radius]:
    st.warning(t("cov_no_radius", lang) + "、".join(markdown_text(x) for x in types if x not in radius))
chosen = [x for x in ([ftype] if ftype != ALL else types) if x in radius]
cand_type = ftype if ftype in radius else select_per_language(
    st, t("cov_candidate_type", lang), chosen, "cov_cand_type", lang, type_label)

cands = st.session_state.setdefault("cov_candidates", [])
map_key = f"cov_map_{lang}_{basemap}"
click = (st.session_state.get(map_key) or {}).get("last_clicked")
if click and click != st.session_state.get("cov_last_click"):
    st.session_state["cov_last_click"] = click
    cands[:] = sc.toggle_candidate(cands, *clicked_lonlat(click, basemap))
cand_gdf = gpd.GeoDataFrame(
    {"name": [f"{t('cov_candidate', lang)} {i + 1}" for i in range(len(cands))], "type": cand_type,
     "estimated": True}, geometry=gpd.points_from_xy([c["lon"] for c in cands], [c["lat"] for c in cands]),
    crs=STORAGE_CRS)
net = walk_network(layers["roads"], sc.geometry_key(layers["roads"])) if "roads" in layers else None
try:
    r = sc.run_scenario(layers, chosen, std_id, method, basis, cand_gdf, standards=standards,
                        network=net, lang=lang, populations=entered_populations())
except sc.ScenarioError as exc:
    show_error(exc, lang)
    st.stop()

st.subheader(t("cov_summary", lang))
st.caption(f"{t('cov_method', lang)}: {r.method_label(lang)}. {r.method_reason}")
head = r.basket if len(chosen) > 1 else r.per_type.iloc[0]
label = (t("cov_basket_metric", lang) if len(chosen) > 1 else t("cov_share_metric", lang))
m1, m2, m3 = st.columns(3)
m1.metric(label, sc.pct(head["share"]), help=r.definition(sc.BASKET if len(chosen) > 1 else chosen[0], lang))
m2.metric(t("cov_pop_metric", lang), sc.people(head["covered"]))
m3.metric(t("cov_total_pop", lang), sc.people(head["total"]))
cand_row = r.per_type.set_index("type").loc[cand_type]
base = sc.run_scenario(layers, [cand_type], std_id, r.method, basis, standards=standards, network=net,
                      sample=r.sample).per_type.iloc[0] if len(cands) else cand_row
st.metric(t("cov_cand_share_metric", lang), sc.pct(cand_row["share"]), delta=(
    f"{sc.pp((cand_row['share'] - base['share']) * 100, lang)} {t('cov_change', lang)}"
    if len(cands) else None))
targets = r.targets_table()
tg = targets[targets["type"] == (sc.BASKET if len(chosen) > 1 else chosen[0])]
for col, row in zip(st.columns(len(tg)), tg.itertuples()):
    col.metric(f"{row.year} {t('cov_target', lang)} {row.target_share:.0%}",
               t("cov_target_met", lang) if row.met else
               f"{t('cov_target_gap', lang)} {sc.pp(row.gap_pp, lang)}")
st.caption(t("cov_targets_caption", lang) + " " + " ".join(markdown_text(
    f"{x.year}: {x.title_zh if lang == 'zh' else x.title_en} — {x.source}")
    for x in sd.city_targets().itertuples()))
today = clock.today()   # once: the years over and the day named are one reading of the clock
past = sorted({int(y) for y in tg["year"] if int(y) < today.year})
if past:   # a target whose year is over is compared with today's layers, not that year's
    st.info(t("cov_target_year_past", lang).format(years=", ".join(map(str, past)),
                                                   today=today.isoformat()))
if r.method == "network":
    st.caption(t("cov_network_note", lang).format(nodes=r.network.n_nodes, edges=r.network.n_edges,
                                                  snap=r.median_snap_m))
st.subheader(t("cov_type_table", lang))
st.dataframe(sc.type_table(r, lang), hide_index=True, width="stretch")

map_type = select_per_language(st, t("cov_map_type", lang), chosen, "cov_map_type", lang, type_label) \
    if len(chosen) > 1 else chosen[0]
best = st.session_state.get("cov_best")
best_gdf = gpd.GeoDataFrame({"name": best["names"]}, geometry=gpd.points_from_xy(best["lon"], best["lat"]),
                            crs=STORAGE_CRS) if best else None
titles = {x: type_label(x) for x in types}   # the map's legend and tooltips in the UI's language
area = r.area_table(map_type).rename(columns={"share": "covered_share"})
base_map, control = build_coverage_base_map({n: layers[n] for n in ("boundary", "roads") if n in layers},
                                            manifest, service_types=chosen, lang=lang, basemap=basemap,
                                            type_titles=titles)
overlays = coverage_overlays(residential=area, service_areas=r.service_areas(map_type),
                             uncovered=r.uncovered(map_type),
                             facilities=r.facilities[~r.facilities["candidate"]], candidates=cand_gdf,
                             best_sites=best_gdf, service_types=chosen, lang=lang, basemap=basemap,
                             type_titles=titles)
st_folium(base_map, height=600, use_container_width=True, returned_objects=["last_clicked"],
          feature_group_to_add=overlays, layer_control=control, key=map_key)
st.markdown(f"**{t('cov_candidates', lang)}**")
if cands:
    st.dataframe(pd.DataFrame({field_label("name", lang): cand_gdf["name"], "lon": [c["lon"] for c in cands],
                               "lat": [c["lat"] for c in cands]}), hide_index=True, width="stretch")
    if st.button(t("cov_clear_candidates", lang), key="cov_clear"):
        st.session_state["cov_candidates"] = []
        st.rerun()
else:
    st.caption(t("cov_no_candidates", lang))

st.subheader(t("cov_table", lang) + f" · {markdown_text(type_label(map_type))}")
st.dataframe(sc.area_display(r, map_type, lang), hide_index=True, width="stretch")
export = gpd.GeoDataFrame(sc.area_display(r, map_type, lang), geometry=r.residential.geometry.values,
                          crs=r.residential.crs)
for col, fmt in zip(st.columns(3), ("csv", "xlsx", "geojson")):
    col.download_button(t(f"cov_download_{fmt}", lang), export_layer(export, fmt, "coverage"),
                        file_name=f"songnan_coverage.{fmt}", key=f"cov_dl_{fmt}")

with st.expander(t("cov_2sfca", lang)):
    for x in chosen:
        s = recommend.supply_per_1000(r, x)
        st.caption(t("cov_no_capacity", lang).format(type=markdown_text(x)) if s is None else
                   t("cov_supply", lang).format(type=markdown_text(x), v=s[0], k=s[2], n=s[3]))

best_sites_section(r, cand_type, layers, cand_gdf, cands, lang)

fmt = st.radio(t("cov_report", lang), ["pdf", "html"], key="cov_report_fmt", horizontal=True)
if st.button(t("cov_report", lang), key="cov_report"):
    rep = build_report(layers, method=method, lang=lang, standard=std_id, basis=basis, network=net)
    st.download_button(t("cov_report_download", lang), report_bytes(rep, fmt), key="cov_report_dl",
                       file_name=report_filename(rep, fmt))

standards_sections(standards, std_id, lang)
