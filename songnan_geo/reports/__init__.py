"""Tables for download (XLSX, PDF) built from the stores' frames.

``tracker`` (parcel and project tables), ``carriers`` (the park register by belt), ``indicators``
(the mid-term evaluation), ``lifecircle`` (the 生活圈体检报告, PDF/HTML with maps).

May import: ``songnan_geo.text``, ``songnan_geo.plan``, ``songnan_geo.store.tracker``,
``songnan_geo.lifecircle``, ``songnan_geo.briefing`` (fonts: ``briefing.map.cjk_font_path``,
``briefing.fonts.cjk_pdf_font``). Never ``maps``, ``cli`` or streamlit.
"""
