"""Metrics: exact cosine kNN, retrieval metrics and effect size, shared by every tool."""

from raster.metrics.knn import knn, l2_normalize
from raster.metrics.retrieval import (
    effect_size,
    evaluate_embeddings,
    pair_cosine_stats,
    retrieval_metrics,
)

__all__ = [
    "effect_size",
    "evaluate_embeddings",
    "knn",
    "l2_normalize",
    "pair_cosine_stats",
    "retrieval_metrics",
]
