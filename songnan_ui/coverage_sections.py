"""Sections of the 生活圈覆盖 page that are widgets around one package call each: best new
sites (:func:`songnan_geo.lifecircle.recommend.recommend_sites`, capacitated where the capacities
are known) and the standards with the
planner's own table (:func:`songnan_geo.lifecircle.standards.save_custom_standards`)."""
from __future__ import annotations

import streamlit as st

from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.lifecircle import recommend, scenario as sc, standards as sd
from songnan_geo.lifecircle.siting import SitingError, grid_candidates
from songnan_geo.text.i18n import field_label, t


def best_sites_section(r, cand_type: str, layers: dict, cand_gdf, cands: list, lang: str) -> None:
    """MCLP/LSCP new sites for ``cand_type`` (existing kept), and capacitated MCLP where every
    existing facility of the type has a capacity (population basis); the result goes to
    ``st.session_state["cov_best"]`` and can be added to the candidate list ``cands``."""
    best = st.session_state.get("cov_best")
    cand_row = r.per_type.set_index("type").loc[cand_type]
    capacitated = r.basis == "population" and recommend.capacities_known(r, cand_type)
    with st.expander(t("cov_best", lang), expanded=bool(best)):
        b1, b2, b3 = st.columns(3)
        model = b1.radio(t("cov_model", lang), ["mclp", "lscp"] + (["capacitated"] if capacitated else []),
                         key="cov_model", format_func=lambda m: t(f"cov_{m}", lang))
        k = b2.number_input(t("cov_k", lang), 1, 20, 3, key="cov_k", disabled=model == "lscp")
        source = b3.radio(t("cov_cand_source", lang), ["grid", "parcels", "clicked"], key="cov_cand_src",
                          format_func=lambda s: t(f"cov_cand_{s}", lang))
        spacing = st.number_input(t("cov_grid_spacing", lang), 100, 1000, 250, 50, key="cov_spacing")
        new_capacity = (st.number_input(t("cov_new_capacity", lang), 1, 100_000, 500, 50,
                                        key="cov_new_capacity") if model == "capacitated" else None)
        if not capacitated:
            st.caption(t("cov_capacitated_unavailable", lang))
        if st.button(t("cov_solve", lang), key="cov_solve", type="primary"):
            sites = {"grid": lambda: grid_candidates(layers["boundary"], float(spacing)),
                     "parcels": lambda: layers["parcels"].set_geometry(
                         layers["parcels"].representative_point()),
                     "clicked": lambda: cand_gdf}[source]()
            try:
                out = recommend.recommend_sites(r, cand_type, sites, k=int(k), model=model,
                                         new_capacity=new_capacity)
            except (SitingError, sc.ScenarioError) as exc:
                st.error(exc.text(lang))
            else:
                before = out.attrs.get("served_before", float(cand_row["share"]))
                pts = out.to_crs(STORAGE_CRS).geometry.representative_point()
                st.session_state["cov_best"] = {"lon": pts.x.tolist(), "lat": pts.y.tolist(), "n": len(out),
                                                "names": [f"{t('cov_layer_best', lang)} {i}"
                                                          for i in out["order"]],
                                                "capacitated": model == "capacitated", "before": before,
                                                "after": float(out["share_after"].max()) if len(out)
                                                else before}
                st.rerun()
        if best:
            key = "cov_best_result_capacitated" if best.get("capacitated") else "cov_best_result"
            st.success(t(key, lang).format(n=best["n"], before=best["before"], after=best["after"]))
            if st.button(t("cov_best_add", lang), key="cov_best_add"):
                cands.extend({"lon": x, "lat": y} for x, y in zip(best["lon"], best["lat"]))
                st.session_state["cov_best"] = None
                st.rerun()


def standards_sections(standards, std_id: str, lang: str) -> None:
    """The rows (and sources) of the chosen standard, and the planner's own table."""
    with st.expander(t("cov_standard_rows", lang)):
        rows = standards[standards["standard"] == std_id][
            ["facility_type", "tier_min", "radius_m", "source", "certain"]]
        st.dataframe(rows.rename(columns=lambda c: field_label(c, lang)), hide_index=True, width="stretch")
    with st.expander(t("cov_custom", lang)):
        st.caption(t("cov_custom_caption", lang))
        columns = ["facility_type", "tier_min", "radius_m", "source", "certain", "note"]
        edited = st.data_editor(sd.custom_template(standards)[columns],
                                num_rows="dynamic", hide_index=True, key="cov_custom_editor", width="stretch")
        if st.button(t("cov_custom_save", lang), key="cov_custom_save"):
            try:
                st.success(t("cov_custom_saved", lang).format(path=sd.save_custom_standards(edited)))
            except sd.StandardsError as exc:
                st.error(exc.text(lang))
