"""Tables for download (XLSX, PDF) built from the stores' frames.

``tracker`` (parcel and project tables), ``carriers`` (the park register by belt), ``indicators``
(the mid-term evaluation).

May import: ``songnan_geo.text``, ``songnan_geo.plan.quotes``, ``songnan_geo.store.tracker``,
``songnan_geo.briefing.facts`` (fonts). Never ``maps``, ``cli`` or streamlit.
"""
