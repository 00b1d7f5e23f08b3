"""The HTML report: one self-contained file (Plotly inlined), every crawled value escaped."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from crawler.report import charts

_env = Environment(loader=PackageLoader("crawler.report", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def _fig_html(fig, div_id: str) -> str:
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"{div_id}-plot",
                       config={"displaylogo": False, "responsive": True})


def _table(title: str, frame: pd.DataFrame, columns: list[str], note: str = "", limit: int = 50) -> dict:
    frame = frame[columns].head(limit) if not frame.empty else frame
    rows = [["" if pd.isna(v) else v for v in r] for r in frame.itertuples(index=False)] if not frame.empty else []
    return {"title": title, "note": note, "columns": columns, "rows": rows}


def build_report(tables: dict[str, pd.DataFrame], out_dir: str | Path, meta: dict | None = None,
                 linkage: dict | None = None) -> Path:
    """Write ``index.html`` into ``out_dir`` from the indicator tables; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sd = tables["ind_site_daily"]
    # market charts show markets only: a site that never listed anything (the social feed) is left out
    markets = set(sd.loc[sd["active_listings"].fillna(0) > 0, "site"]) if not sd.empty else set()
    sd = sd[sd["site"].isin(markets)]
    mig = tables["ind_migrations"]
    figs = [
        ("activity", charts.activity(sd), "Crosses mark days whose crawl was partial (site down, blocked, errors)."),
        ("sales", charts.sales(sd), "Estimated sales = new feedback entries since the previous complete crawl."),
        ("migration", charts.migration(mig), ""),
        ("migration-timing", charts.migration_timing(mig), ""),
        ("countries", charts.country_share(tables["ind_vendors_by_country"]), ""),
        ("prices", charts.prices(tables["ind_unit_prices"]), ""),
        ("social", charts.social(tables["ind_social_adverts"]), ""),
    ]
    complete = sd[~sd["partial"].astype(bool)] if not sd.empty else sd
    be = tables["ind_vendors_by_country"]
    be = be[(be["ships_from"] == "BE") & ~be["partial"].astype(bool)] if not be.empty else be
    mo = tables["ind_multi_origin"]
    cards = [
        {"label": "sites", "value": sd["site"].nunique() if not sd.empty else 0},
        {"label": "crawled days", "value": sd["day"].nunique() if not sd.empty else 0},
        {"label": "partial site-days", "value": int(sd["partial"].astype(bool).sum()) if not sd.empty else 0},
        {"label": "estimated sales", "value": int(complete["sales"].fillna(0).sum()) if not complete.empty else 0},
        {"label": "revenue (EUR)", "value": f"{complete['revenue_eur'].fillna(0).sum():,.0f}" if not complete.empty else 0},
        {"label": "Belgian vendor share", "value": f"{be['share'].mean():.1%}" if not be.empty else "n/a"},
        {"label": "NL+BE among BE multi-origin", "value": f"{mo['nl_be_share'].dropna().iloc[-1]:.0%}"
         if not mo.empty and mo["nl_be_share"].notna().any() else "n/a"},
        {"label": "actors migrated", "value": int((mig["kind"] == "migrated").sum()) if not mig.empty else 0},
    ]
    if linkage:
        cards.append({"label": "actors (linked)", "value": linkage.get("actors", "n/a")})
    report_tables = [
        _table("Closures detected", tables["ind_closures"], ["site", "closed_on", "failed_days"]),
        _table("Migrations after closures", mig, ["from_site", "actor_id", "to_site", "handle", "first_seen",
                                                   "days_after", "kind"]),
        _table("Relocation events", tables["ind_relocations"], ["actor_id", "day", "from_countries", "to_countries"]),
        _table("Latest complete day per site", complete.sort_values("day").groupby("site").tail(1) if not complete.empty
               else complete, ["site", "day", "active_listings", "active_vendors", "new_vendors", "disappeared_vendors",
                               "sales", "revenue_eur", "share_orders_under_small", "orders_over_large",
                               "wholesale_revenue_share"]),
        _table("Most frequent contacts in social adverts", tables["ind_social_contacts"].sort_values("posts", ascending=False)
               if not tables["ind_social_contacts"].empty else tables["ind_social_contacts"],
               ["kind", "value", "posts", "first_day", "last_day"], limit=20),
    ]
    meta = dict(meta or {})
    meta.setdefault("title", "market monitoring report")
    meta.setdefault("period", f"{sd['day'].min()} – {sd['day'].max()}" if not sd.empty else "no data")
    meta.setdefault("generated", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    meta.setdefault("database", "")
    html = _env.get_template("report.html.j2").render(
        meta=meta, cards=cards, tables=report_tables,
        charts=[{"id": i, "html": _fig_html(f, i), "note": n} for i, f, n in figs],
        plotly_js=f"<script>{get_plotlyjs()}</script>")
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
