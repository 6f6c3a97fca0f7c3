"""The tracker's database for every page: one engine (connection pool) per store URL and process.

:func:`open_stores` returns the tracker store (:mod:`songnan_geo.store.tracker`) with the carrier register
and the indicator values that live in the same database. Pages call it instead of opening their
own engine, so the app holds one pool per database, however many pages a planner opens.
"""
from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from songnan_geo import config
from songnan_geo.store.carriers import CarrierStore
from songnan_geo.store.indicators import IndicatorStore
from songnan_geo.store.tracker import TrackerStore, open_store, resolve_store_url


class Stores(NamedTuple):
    tracker: TrackerStore
    carriers: CarrierStore
    indicators: IndicatorStore


@st.cache_resource(show_spinner=False)
def _open(url: str, data_dir: str) -> Stores:
    tracker = open_store(url, data_dir=data_dir)
    return Stores(tracker, CarrierStore(tracker), IndicatorStore(tracker))


def open_stores() -> Stores:
    """The stores of the configured database (``SONGNAN_STORE_URL`` / ``SONGNAN_STORE_PATH`` /
    the user folder; see :func:`songnan_geo.store.tracker.resolve_store_url`) for the data folder in use.

    Raises
    ------
    songnan_geo.store.tracker.StoreConfigError, songnan_geo.store.tracker.TrackerError
        When the store cannot be opened or created (the message says what to fix).
    """
    return _open(resolve_store_url(), str(config.data_dir()))
