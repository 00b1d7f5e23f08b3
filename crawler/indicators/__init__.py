"""Longitudinal indicators (definitions in docs/indicators.md).

``compute_all(inputs, config)`` returns every indicator table as a pandas frame, keyed
by the table name it is stored under.
"""
from __future__ import annotations

import pandas as pd

from crawler.indicators.actors import closures, migrations, multi_origin_daily, relocations
from crawler.indicators.countries import vendors_by_country
from crawler.indicators.frames import IndicatorConfig, IndicatorInputs
from crawler.indicators.market import site_daily
from crawler.indicators.prices import unit_prices
from crawler.indicators.social import advert_share_daily, contacts

__all__ = ["IndicatorConfig", "IndicatorInputs", "compute_all"]


def compute_all(inputs: IndicatorInputs, config: IndicatorConfig = IndicatorConfig()) -> dict[str, pd.DataFrame]:
    return {
        "ind_site_daily": site_daily(inputs, config),
        "ind_vendors_by_country": vendors_by_country(inputs),
        "ind_unit_prices": unit_prices(inputs),
        "ind_multi_origin": multi_origin_daily(inputs, config),
        "ind_relocations": relocations(inputs, config),
        "ind_closures": closures(inputs, config),
        "ind_migrations": migrations(inputs, config),
        "ind_social_adverts": advert_share_daily(inputs),
        "ind_social_contacts": contacts(inputs),
    }
