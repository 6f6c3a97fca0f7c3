"""One message engine (songnan_geo.text.messages) for both catalogues, and one error type.

Every error a page shows in the UI's language is a :class:`~songnan_geo.text.messages.LocalisedError`
(``text_of(exc, lang)`` renders it): the standards table's and the layer validation's too.
"""
from __future__ import annotations

import pandas as pd
import pytest

from songnan_geo.layers.io import LayerValidationError, validate_feature_collection
from songnan_geo.lifecircle.standards import StandardsError, validate_standards
from songnan_geo.text import error_messages, import_messages, messages
from songnan_geo.text.messages import LocalisedError, text_of


def test_both_catalogues_render_with_the_one_engine():
    assert import_messages.render_from is messages.render_from
    assert error_messages.render_from is messages.render_from
    assert issubclass(import_messages.Message, messages.Message)
    assert issubclass(error_messages.ErrorMessage, messages.Message)
    assert error_messages.LocalisedError is messages.LocalisedError
    assert error_messages.text_of is messages.text_of


def test_a_message_of_one_catalogue_inside_another_renders_in_the_same_language():
    row = import_messages.msg("feature_row", row=3)
    assert row.text("zh") == "第 3 行" and str(row) == "row 3"
    line = error_messages.msg("ind_year_future", year=2027, this_year=row)
    assert "第 3 行" in line.text("zh") and "row 3" in line.text("en")
    assert text_of(import_messages.FeatureRef(row=2), "zh") == "第 2 行"


def test_unknown_code_names_its_catalogue():
    with pytest.raises(KeyError, match="error_messages.MESSAGES"):
        error_messages.msg("no_such_code").text("zh")
    with pytest.raises(KeyError, match="lang 'fr'"):
        import_messages.msg("no_crs").text("fr")


def _standards_error() -> StandardsError:
    with pytest.raises(StandardsError) as info:
        validate_standards(pd.DataFrame({"standard": ["x"]}), arg="my.csv")
    return info.value


def _layer_error() -> LayerValidationError:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}
    problems = validate_feature_collection(doc, "x.geojson", schema, ["Point"])
    assert problems
    return LayerValidationError(problems)


@pytest.mark.parametrize("make", [_standards_error, _layer_error])
def test_standards_and_layer_errors_are_localised_errors(make):
    exc = make()
    assert isinstance(exc, LocalisedError) and isinstance(exc, ValueError)
    zh, en = text_of(exc, "zh"), text_of(exc, "en")
    assert zh == exc.text("zh") and en == exc.text("en") == str(exc)
    assert zh != en and any("\u4e00" <= c <= "\u9fff" for c in zh)
    assert exc.problems      # every problem kept
