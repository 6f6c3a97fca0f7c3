"""One plan selector for every page, and the as-of date that knows the plan's period.

:func:`plan_selector` keeps the chosen plan in ``st.session_state["plan_id"]`` (:data:`PLAN_KEY`),
so every page shows the same plan. :func:`as_of_input` is the page's evaluation date: by default
today within the period, the period's end once it is over
(:meth:`songnan_geo.plan.registry.Plan.default_as_of`),
with two buttons ("as of the period's end", "as of today") and a notice whenever the date or
today lies outside the period (:func:`songnan_geo.plan.registry.period_state`).
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from songnan_geo import clock
from songnan_geo.plan import registry as plans
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text

#: Session-state key of the chosen plan's id, shared by every page.
PLAN_KEY = "plan_id"


def plan_selector(lang: str, key: str) -> plans.Plan:
    """A select box of the plans (:func:`songnan_geo.plan.registry.list_plans`); returns the chosen plan."""
    available = {p.id: p for p in plans.list_plans()}
    ids = list(available)
    current = st.session_state.get(PLAN_KEY, plans.DEFAULT_PLAN_ID)
    if current not in available:
        current = plans.DEFAULT_PLAN_ID if plans.DEFAULT_PLAN_ID in available else ids[0]
    if len(ids) == 1:
        chosen = ids[0]
    else:
        chosen = st.selectbox(t("plan_choose", lang), ids, index=ids.index(current),
                              key=f"{key}_plan_{lang}",
                              format_func=lambda i: t("plan_option", lang).format(
                                  name=available[i].name(lang), start=available[i].period_start.year,
                                  end=available[i].period_end.year))
    st.session_state[PLAN_KEY] = chosen
    return available[chosen]


def _set(key: str, day: dt.date) -> None:
    st.session_state[key] = day


def as_of_input(plan: plans.Plan, lang: str, key: str, label: str, *,
                min_value: dt.date = dt.date(2013, 1, 1), help: str | None = None) -> dt.date:
    """The evaluation date of a page (widget ``key``), with the period buttons and notice.

    Choosing another plan resets the date to that plan's default."""
    today = clock.today()
    if st.session_state.get(f"{key}_for_plan") != plan.id:
        st.session_state[key] = plan.default_as_of(today)
        st.session_state[f"{key}_for_plan"] = plan.id
    fmt = dict(name=markdown_text(plan.name(lang)), start=plan.period_start.isoformat(),
               end=plan.period_end.isoformat(), today=today.isoformat())
    if plan.ended(today):
        st.warning(t("plan_ended", lang).format(**fmt))
    as_of = st.date_input(label, min_value=min(min_value, plan.period_start),
                          max_value=max(today, plan.period_end), key=key, help=help)
    b1, b2 = st.columns(2)
    b1.button(t("plan_btn_end", lang).format(**fmt), key=f"{key}_end", on_click=_set,
              args=(key, plan.period_end))
    b2.button(t("plan_btn_today", lang).format(**fmt), key=f"{key}_today", on_click=_set,
              args=(key, today))
    state = plans.period_state(plan, as_of, today)
    if state == "running":
        st.caption(t("plan_running", lang).format(days=(plan.period_end - today).days, **fmt))
    elif state != "ended":
        st.warning(t(f"plan_{state.replace('ended_', '')}", lang).format(as_of=as_of.isoformat(), **fmt))
    return as_of
