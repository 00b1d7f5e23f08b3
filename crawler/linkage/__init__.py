"""Vendor identity across sites: site accounts → actors with stable IDs.

Public API (small on purpose):
- ``link_database(engine, incremental=False)`` — link the database's accounts, write
  actors, account↔actor links (probability, evidence) and lineage;
- ``train_and_link(rows)`` — the model on feature rows (``features.to_rows``);
- ``assign_stable_ids(previous, clusters, mint)`` — the ID policy;
- ``pairwise_scores(predicted, truth)`` — evaluation.
"""
from crawler.linkage.evaluate import pairwise_scores
from crawler.linkage.identity import assign_stable_ids
from crawler.linkage.model import train_and_link
from crawler.linkage.service import link_database

__all__ = ["link_database", "train_and_link", "assign_stable_ids", "pairwise_scores"]
