"""Two custom GX Core expectations that run the project's own vectorised checks
(data_quality.formats) on the pandas execution engine:

- ExpectColumnValuesToPassCheck(column=..., check="e164_phone")            one column
- ExpectMulticolumnValuesToPassCheck(column_list=[...], check="national_id_for_country")
  (several columns of a row: the first is the value checked, the others its context; a row whose
  first column is blank is not checked here, a not-null expectation covers blanks)

Both are ordinary map expectations: GX counts unexpected rows, lists them, honours `mostly`,
`row_condition` and `severity`, and renders them in Data Docs like its own.
"""
from __future__ import annotations

from typing import Callable, ClassVar, Dict, Tuple

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, MulticolumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    MulticolumnMapMetricProvider,
    column_condition_partial,
    multicolumn_condition_partial,
)
from great_expectations.render import LegacyRendererType, RenderedStringTemplateContent
from great_expectations.render.renderer.renderer import renderer

from data_quality import formats

COLUMN_CHECKS: Dict[str, Tuple[str, Callable[[pd.Series], pd.Series]]] = {
    "e164_phone": ("a valid phone number in E.164 (phonenumbers)", formats.phone_is_valid),
    "email": ("a mailbox in normal form (lower case, no spaces)", formats.email_is_valid),
    "bcp47_language": ("a BCP 47 language tag (zh-CN, en)", formats.language_is_valid),
    "iana_timezone": ("an IANA time zone name", formats.timezone_is_valid),
    "iso_country": ("an ISO 3166-1 alpha-2 country code", formats.country_is_valid),
}

ROW_CHECKS: Dict[str, Tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "national_id_for_country": (
        "a national id valid for the country (CN: resident id check character, birth date and region code per python-stdnum)",
        lambda f: formats.national_id_is_valid(f.iloc[:, 0], f.iloc[:, 1])),
    "postal_code_for_country": (
        "a postal code in the country's format",
        lambda f: formats.postal_code_is_valid(f.iloc[:, 0], f.iloc[:, 1])),
    "region_matches_postal_code": (
        "a region (province) matching the postal code's zone (CN)",
        lambda f: formats.region_matches_postal_code(f.iloc[:, 0], f.iloc[:, 1], f.iloc[:, 2])),
}


class ColumnValuesPassCheck(ColumnMapMetricProvider):
    condition_metric_name = "column_values.arrears_check"
    condition_value_keys = ("check",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, check, **kwargs):
        return COLUMN_CHECKS[check][1](column)


class MulticolumnValuesPassCheck(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.arrears_check"
    condition_value_keys = ("check",)
    condition_domain_keys = ("batch_id", "table", "column_list", "row_condition", "condition_parser", "ignore_row_if")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, check, **kwargs):
        frame = column_list
        applicable = frame.iloc[:, 0].notna()
        result = pd.Series(True, index=frame.index)
        if applicable.any():
            result[applicable] = ROW_CHECKS[check][1](frame[applicable]).to_numpy()
        return result


def _template(configuration, description: str, columns: str) -> list:
    mostly = configuration.kwargs.get("mostly") or 1
    text = f"{columns} values must be {description}"
    if mostly < 1:
        text += f", at least {mostly * 100:.4g}% of the time"
    return [RenderedStringTemplateContent(**{
        "content_block_type": "string_template",
        "string_template": {"template": text + ".", "params": {}, "styling": {}},
    })]


class ExpectColumnValuesToPassCheck(ColumnMapExpectation):
    """Expect every value of the column to pass a named check of data_quality.formats."""

    check: str
    map_metric: ClassVar[str] = "column_values.arrears_check"
    success_keys: ClassVar[Tuple[str, ...]] = ("check", "mostly")
    args_keys: ClassVar[Tuple[str, ...]] = ("column", "check")

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        configuration = configuration or result.expectation_config
        return _template(configuration, COLUMN_CHECKS[configuration.kwargs["check"]][0],
                         f"{configuration.kwargs['column']}")


class ExpectMulticolumnValuesToPassCheck(MulticolumnMapExpectation):
    """Expect the first column of every row to pass a named check given the other columns."""

    check: str
    map_metric: ClassVar[str] = "multicolumn_values.arrears_check"
    success_keys: ClassVar[Tuple[str, ...]] = ("check", "mostly")
    args_keys: ClassVar[Tuple[str, ...]] = ("column_list", "check")

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        configuration = configuration or result.expectation_config
        columns = configuration.kwargs["column_list"]
        return _template(configuration, ROW_CHECKS[configuration.kwargs["check"]][0],
                         f"{columns[0]} (given {', '.join(columns[1:])})")
