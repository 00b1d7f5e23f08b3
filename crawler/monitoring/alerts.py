"""Alert actions for a degraded run: log, JSON-lines file, webhook, e-mail (SMTP).

Each action is tried independently; a failing action is reported (and logged) but never
stops the others nor the run.
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

import httpx

from crawler.monitoring.config import Alerts

logger = logging.getLogger("vigie.alerts")


def send_alerts(alert: dict, cfg: Alerts) -> list[list[str]]:
    """Run the configured actions; returns ``[[action, "sent" | error text], ...]``."""
    actions = []
    if cfg.log:
        actions.append(("log", lambda: logger.warning("degraded run %s of %s: %s", alert["run_id"], alert["site"],
                                                       "; ".join(f["message"] for f in alert["failed"]))))
    if cfg.json_file:
        actions.append(("json_file", lambda: _append_json(Path(cfg.json_file), alert)))
    if cfg.webhook:
        actions.append(("webhook", lambda: _post(cfg.webhook, alert, cfg.webhook_timeout)))
    if cfg.email:
        actions.append(("email", lambda: _email(alert, cfg)))
    out = []
    for name, action in actions:
        try:
            action()
            out.append([name, "sent"])
        except Exception as exc:  # noqa: BLE001 - an alert channel down must not hide the others
            logger.error("alert action %s failed: %s: %s", name, exc.__class__.__name__, exc)
            out.append([name, f"{exc.__class__.__name__}: {exc}"])
    return out


def _append_json(path: Path, alert: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(alert, sort_keys=True) + "\n")


def _post(url: str, alert: dict, timeout: float) -> None:
    response = httpx.post(url, json=alert, timeout=timeout)
    response.raise_for_status()


def _email(alert: dict, cfg: Alerts) -> None:
    mail = cfg.email
    msg = EmailMessage()
    msg["Subject"] = f"[Vigie] degraded run {alert['run_id']} of {alert['site']} ({alert['status']})"
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    lines = [f"Run {alert['run_id']} of {alert['site']} observed at {alert['observed_at']} ended "
             f"{alert['status']}.", "", "Failed monitors:"]
    lines += [f"- {f['monitor']}: {f['message']}" for f in alert["failed"]]
    msg.set_content("\n".join(lines) + "\n")
    with smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout) as smtp:
        if mail.starttls:
            smtp.starttls()
        if mail.username_env:
            smtp.login(os.environ[mail.username_env], os.environ.get(mail.password_env or "", ""))
        smtp.send_message(msg)
