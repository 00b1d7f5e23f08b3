"""Monitoring thresholds and alert actions: the ``[monitoring]`` table of a targets file.

Every field has a default, so a targets file without ``[monitoring]`` is monitored with
the defaults below and alerts only to the log.  Example::

    [monitoring]
    history = 7                 # recent runs of the site the item count is compared with
    max_item_drop = 0.5         # fail when items < (1 - 0.5) × median of those runs
    [monitoring.alerts]
    json_file = "alerts.jsonl"
    webhook = "http://127.0.0.1:9000/hook"
    [monitoring.alerts.email]
    host = "127.0.0.1"
    port = 25
    sender = "vigie@example.org"
    to = ["ops@example.org"]
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_COVERAGE = {
    "listing": {"ships_from": 0.5, "quantity": 0.5, "unit_price_eur": 0.5},
    "vendor": {"rating": 0.5, "join_date": 0.5},
}


class EmailAlert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(min_length=3)
    to: list[str] = Field(min_length=1)
    username_env: str | None = None      # SMTP login from the environment, when the relay needs one
    password_env: str | None = None
    starttls: bool = False
    timeout: float = Field(default=10.0, gt=0)


class Alerts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    log: bool = True                      # a WARNING log line per degraded run
    json_file: str | None = None          # one JSON object per line, appended
    webhook: str | None = None            # POST of the same JSON object
    webhook_timeout: float = Field(default=10.0, gt=0)
    email: EmailAlert | None = None


class MonitoringConfig(BaseModel):
    """Thresholds of the monitors in ``crawler.monitoring.checks``."""
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    ok_statuses: list[str] = ["complete"]             # finish reason: other statuses fail
    history: int = Field(default=7, ge=1)              # runs compared with for the item count
    min_history: int = Field(default=3, ge=1)          # fewer earlier runs: the item count is not judged
    max_item_drop: float = Field(default=0.5, ge=0, le=1)
    coverage: dict[str, dict[str, float]] = Field(default_factory=lambda: {k: dict(v) for k, v in
                                                                           DEFAULT_COVERAGE.items()})
    max_quarantine_rate: float = Field(default=0.05, ge=0, le=1)
    max_errors: int = Field(default=5, ge=0)           # stats log_count/ERROR
    max_retries: int = Field(default=100, ge=0)        # stats retry/count
    layout_change: bool = True                         # a page layout other than the last run's fails
    alerts: Alerts = Alerts()
