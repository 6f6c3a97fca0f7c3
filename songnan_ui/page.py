"""What every page does first and how every page shows an error.

A page reads its widgets, makes one package call and renders the result; what it shares with the
other pages lives here:

- :func:`page_context` — the UI language, the layers and manifest ``app_main.py`` loaded and the
  basemap chosen in the sidebar (instead of reading ``st.session_state`` on every page);
- :func:`stores_or_stop` / :func:`stores_or_none` — the tracker's database
  (:func:`songnan_ui.stores.open_stores`), or a message saying what to fix;
- :func:`show_error` / :func:`error_text` — any :class:`~songnan_geo.text.messages.LocalisedError`
  in the UI's language, any other exception as one line of text (never a traceback);
- :func:`stale_text` / :func:`show_stale` — the one message for a change refused because someone
  else saved the record meanwhile (:class:`~songnan_geo.store.db.StaleVersionError`);
- :func:`select_per_language` — a select box whose labels follow the language switch.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from songnan_geo.store.db import StaleVersionError, StoreError, format_time
from songnan_geo.text.i18n import t
from songnan_geo.text.messages import LocalisedError
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.stores import Stores, open_stores

DEFAULT_LANG = "zh"
DEFAULT_BASEMAP = "blank"


@dataclass(frozen=True)
class PageContext:
    """What ``app_main.py`` put into the session for every page.

    Attributes
    ----------
    lang : str
        ``"zh"`` or ``"en"``.
    layers : dict of str to geopandas.GeoDataFrame
        Every layer of the data folder, validated, in EPSG:4326.
    manifest : dict
        The data folder's ``manifest.json``.
    basemap : str
        The key of the basemap chosen in the sidebar (:data:`songnan_geo.maps.folium_map.BASEMAPS`).
    """

    lang: str
    layers: dict
    manifest: dict
    basemap: str


def page_context() -> PageContext:
    """The language, layers, manifest and basemap of this session (see :class:`PageContext`)."""
    state = st.session_state
    return PageContext(lang=state.get("lang", DEFAULT_LANG), layers=state["layers"],
                       manifest=state["manifest"], basemap=state.get("basemap", DEFAULT_BASEMAP))


def error_text(exc: BaseException, lang: str) -> str:
    """``exc`` as text for the page: a :class:`LocalisedError` in ``lang``; a store or file error
    by its own message (it says what to fix); anything else as ``Type: message``. Never a traceback."""
    if isinstance(exc, LocalisedError):
        return exc.text(lang)
    if isinstance(exc, (StoreError, OSError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def show_error(exc: BaseException, lang: str, heading: str | None = None) -> None:
    """Render ``exc`` (see :func:`error_text`): under ``heading`` (already translated) as a code
    block when one is given, else as the error box's text."""
    if heading is None:
        st.error(error_text(exc, lang))
    else:
        st.error(heading)
        st.code(error_text(exc, lang), language=None)


def stores_or_none(lang: str, heading_key: str = "tr_store_error") -> Stores | None:
    """The stores (:func:`songnan_ui.stores.open_stores`); when they cannot be opened, the error
    under the message ``heading_key`` and None."""
    try:
        return open_stores()
    except StoreError as exc:   # StoreConfigError, TrackerError (= StoreError), StoreBusyError
        show_error(exc, lang, t(heading_key, lang))
        return None


def stores_or_stop(lang: str, heading_key: str = "tr_store_error") -> Stores:
    """The stores, or the error under ``heading_key`` and the page stops there."""
    stores = stores_or_none(lang, heading_key)
    if stores is None:
        st.stop()
    return stores


def stale_text(exc: StaleVersionError, lang: str, name: str | None = None) -> str:
    """'Not saved: NAME was changed by WHO at WHEN (now version N, yours was based on M)' in
    ``lang``, Markdown-safe; ``name`` defaults to the record's name held by ``exc``."""
    return t("tr_stale", lang).format(name=markdown_text(exc.name if name is None else name),
                                      who=markdown_text(exc.changed_by),
                                      when=format_time(exc.changed_at),
                                      current=exc.current_version, expected=exc.expected_version)


def show_stale(exc: StaleVersionError, lang: str, name: str | None = None) -> None:
    """Render :func:`stale_text` as an error box."""
    st.error(stale_text(exc, lang, name))


def select_per_language(container, label: str, options, key: str, lang: str, format_func):
    """A select box whose option labels follow the language; returns the chosen option.

    Streamlit keeps a choice as its label, which the language switch changes: so one widget
    per language (``<key>_<lang>``), and the choice itself kept in ``st.session_state[key]``
    so that it survives the switch."""
    options = list(options)
    current = st.session_state.get(key)
    value = container.selectbox(label, options, key=f"{key}_{lang}", format_func=format_func,
                                index=options.index(current) if current in options else 0)
    st.session_state[key] = value
    return value
