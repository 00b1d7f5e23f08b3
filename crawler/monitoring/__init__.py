"""Monitors run after every crawl run (in the spirit of Spidermon).

- ``config``: thresholds and alert actions (the ``[monitoring]`` table of a targets file);
- ``checks``: the monitors — finish reason, item count vs the site's recent median,
  field coverage, quarantine rate, errors and retries, page-layout change;
- ``alerts``: the actions on a degraded run — log, JSON-lines file, webhook, e-mail;
- ``monitor``: ``run_monitors(db, run_id, config) -> MonitorReport`` evaluates, stores the
  results (``monitor_results``, ``run_health``) and alerts.

This package stays light to import (``crawler.targets`` imports its ``config``).
"""
