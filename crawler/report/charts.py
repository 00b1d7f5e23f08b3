"""The report's charts (Plotly), each a function from indicator tables to a figure."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


def _layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=50, r=20, t=60, b=40),
                      template="plotly_white", legend=dict(orientation="h", y=-0.15))
    return fig


def activity(site_daily: pd.DataFrame) -> go.Figure:
    """Active listings and vendors per site over time; partial days marked."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Active listings", "Active vendors"))
    for i, (site, d) in enumerate(site_daily.sort_values("day").groupby("site")):
        color = PALETTE[i % len(PALETTE)]
        for col, key in ((1, "active_listings"), (2, "active_vendors")):
            fig.add_trace(go.Scatter(x=d["day"], y=d[key], name=site, legendgroup=site, showlegend=col == 1,
                                     mode="lines", line=dict(color=color)), row=1, col=col)
            partial = d[d["partial"].astype(bool)]
            fig.add_trace(go.Scatter(x=partial["day"], y=partial[key], mode="markers", legendgroup=site,
                                     showlegend=False, marker=dict(symbol="x", color=color, size=8),
                                     hovertext="partial crawl"), row=1, col=col)
    return _layout(fig, "Market activity per site (× = partial crawl: counts rest on incomplete data)")


def sales(site_daily: pd.DataFrame) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Estimated sales (new feedback)", "Estimated revenue (EUR)"))
    for i, (site, d) in enumerate(site_daily.sort_values("day").groupby("site")):
        d = d[~d["partial"].astype(bool)]
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Bar(x=d["day"], y=d["sales"], name=site, legendgroup=site, marker_color=color), row=1, col=1)
        fig.add_trace(go.Bar(x=d["day"], y=d["revenue_eur"], name=site, legendgroup=site, showlegend=False,
                             marker_color=color), row=1, col=2)
    fig.update_layout(barmode="stack")
    return _layout(fig, "Sales proxy and revenue (complete days)")


def migration(migrations: pd.DataFrame) -> go.Figure:
    """Sankey: closed site → destination site, actors who migrated (and who were already there)."""
    if migrations.empty:
        return _layout(go.Figure(), "Migration after closures: no closure detected")
    m = migrations.copy()
    m["target"] = m["to_site"] + m["kind"].map({"migrated": "", "already_there": " (already there)"})
    flows = m.groupby(["from_site", "target"])["actor_id"].nunique().reset_index()
    labels = sorted(set(flows["from_site"]) | set(flows["target"]))
    idx = {l: i for i, l in enumerate(labels)}
    fig = go.Figure(go.Sankey(node=dict(label=[f"{l}" for l in labels], pad=20),
                              link=dict(source=[idx[s] for s in flows["from_site"]],
                                        target=[idx[t] for t in flows["target"]],
                                        value=list(flows["actor_id"]))))
    return _layout(fig, "Migration after a market closed (actors)", 360)


def migration_timing(migrations: pd.DataFrame) -> go.Figure:
    m = migrations[migrations["kind"] == "migrated"] if not migrations.empty else migrations
    fig = go.Figure()
    for to_site, d in (m.groupby("to_site") if not m.empty else []):
        counts = d.groupby("days_after")["actor_id"].nunique().sort_index().cumsum()
        fig.add_trace(go.Scatter(x=counts.index, y=counts.values, name=to_site, mode="lines+markers", line_shape="hv"))
    fig.update_xaxes(title="days after the closure")
    fig.update_yaxes(title="actors arrived (cumulative)")
    return _layout(fig, "How soon actors reappeared elsewhere", 340)


def country_share(by_country: pd.DataFrame, top: int = 8) -> go.Figure:
    """Share of active vendors by ships-from country (all sites), Belgium always shown."""
    c = by_country[by_country["is_country"].astype(bool) & ~by_country["partial"].astype(bool)]
    if c.empty:
        return _layout(go.Figure(), "Vendors by ships-from country: no data")
    mean_share = c.groupby("ships_from")["share"].mean().sort_values(ascending=False)
    keep = list(mean_share.index[:top])
    if "BE" in mean_share.index and "BE" not in keep:
        keep.append("BE")
    fig = go.Figure()
    for code in keep:
        d = c[c["ships_from"] == code].groupby("day")["share"].mean()
        fig.add_trace(go.Scatter(x=d.index, y=d.values, name=code, mode="lines",
                                 line=dict(width=4 if code == "BE" else 1.5)))
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, "Share of vendors by ships-from country (mean over sites; bold = Belgium)")


def prices(unit_prices: pd.DataFrame, categories: int = 6) -> go.Figure:
    """Median unit price with the interquartile band, per category (all countries)."""
    p = unit_prices[~unit_prices["partial"].astype(bool)] if not unit_prices.empty else unit_prices
    if p.empty:
        return _layout(go.Figure(), "Unit prices: no data")
    top = p.groupby("category")["listings"].sum().sort_values(ascending=False).index[:categories]
    fig = make_subplots(rows=1, cols=len(top), subplot_titles=[str(t) for t in top], shared_yaxes=False)
    for i, cat in enumerate(top, start=1):
        d = p[p["category"] == cat].groupby("day")[["q1", "median", "q3"]].median().sort_index()
        unit = p[p["category"] == cat]["unit"].mode().iat[0]
        fig.add_trace(go.Scatter(x=d.index, y=d["q3"], line=dict(width=0), showlegend=False, hoverinfo="skip"), row=1, col=i)
        fig.add_trace(go.Scatter(x=d.index, y=d["q1"], fill="tonexty", line=dict(width=0), showlegend=False,
                                 fillcolor="rgba(31,119,180,0.2)", hoverinfo="skip"), row=1, col=i)
        fig.add_trace(go.Scatter(x=d.index, y=d["median"], name=f"{cat} (EUR/{unit})", line=dict(color="#1f77b4"),
                                 showlegend=False), row=1, col=i)
    return _layout(fig, "Median unit price by category, EUR per unit (band: quartiles)", 340)


def social(adverts: pd.DataFrame) -> go.Figure:
    if adverts.empty:
        return _layout(go.Figure(), "Social feed: no data")
    by_city = adverts.groupby("city")[["posts", "adverts"]].sum()
    by_city["share"] = by_city["adverts"] / by_city["posts"]
    by_city = by_city.sort_values("share", ascending=False)
    fig = go.Figure(go.Bar(x=by_city.index, y=by_city["share"], text=[f"{s:.0%}" for s in by_city["share"]]))
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, "Share of posts that are drug adverts, per city keyword", 320)
