"""Tables for download (XLSX, PDF) built from the stores' frames.

``tracker`` (parcel and project tables), ``carriers`` (the park register by belt), ``indicators``
(the mid-term evaluation), ``fonts`` (the CJK font registered with reportlab; imports nothing of
the package, so ``briefing.render`` uses it too).

May import: ``songnan_geo.text``, ``songnan_geo.plan``, ``songnan_geo.store.tracker``,
``songnan_geo.briefing.map`` (``cjk_font_path``). Never ``maps``, ``cli`` or streamlit.
"""
