"""Stable actor IDs: unchanged clusters keep IDs; merges redirect; splits mint with lineage."""
import itertools

from crawler.linkage.evaluate import pairwise_scores
from crawler.linkage.identity import assign_stable_ids


def minter(start=100):
    counter = itertools.count(start)
    return lambda: f"X{next(counter):05d}"


def test_unchanged_clusters_keep_ids_and_emit_no_events():
    previous = {"a:1": "X00001", "b:1": "X00001", "a:2": "X00002"}
    result = assign_stable_ids(previous, [{"a:1", "b:1"}, {"a:2"}], minter())
    assert result.actor_of == previous
    assert result.events == []


def test_new_account_joining_a_cluster_keeps_the_id():
    previous = {"a:1": "X00001", "a:2": "X00002"}
    result = assign_stable_ids(previous, [{"a:1", "c:9"}, {"a:2"}], minter())
    assert result.actor_of["c:9"] == "X00001"
    assert result.events == []


def test_brand_new_cluster_mints_and_records_new():
    result = assign_stable_ids({}, [{"a:1"}], minter())
    assert result.actor_of == {"a:1": "X00100"}
    assert [(e.kind, e.actor_id) for e in result.events] == [("new", "X00100")]


def test_merge_keeps_larger_overlap_and_redirects_the_other():
    previous = {"a:1": "X00001", "b:1": "X00001", "c:1": "X00002"}
    result = assign_stable_ids(previous, [{"a:1", "b:1", "c:1"}], minter())
    assert set(result.actor_of.values()) == {"X00001"}
    assert result.redirects == {"X00002": "X00001"}
    assert [(e.kind, e.actor_id, e.related_id) for e in result.events] == [("merge", "X00002", "X00001")]


def test_merge_tie_goes_to_older_id():
    previous = {"a:1": "X00007", "b:1": "X00003"}
    result = assign_stable_ids(previous, [{"a:1", "b:1"}], minter())
    assert set(result.actor_of.values()) == {"X00003"}
    assert result.redirects == {"X00007": "X00003"}


def test_split_mints_new_id_with_lineage_to_the_source():
    previous = {"a:1": "X00001", "b:1": "X00001", "c:1": "X00001"}
    result = assign_stable_ids(previous, [{"a:1", "b:1"}, {"c:1"}], minter())
    assert result.actor_of["a:1"] == result.actor_of["b:1"] == "X00001"
    assert result.actor_of["c:1"] == "X00100"
    assert [(e.kind, e.actor_id, e.related_id) for e in result.events] == [("split", "X00100", "X00001")]


def test_pairwise_scores():
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    s = pairwise_scores(predicted, truth)
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (3, 2, 1)
    assert round(s.precision, 3) == 0.5 and round(s.recall, 3) == 0.333
    only_ab = pairwise_scores(predicted, truth, restrict_to=[("b", "a")])
    assert only_ab.recall == 1.0 and only_ab.precision == 1.0
