"""The model family: STL and pooled baselines and the classic MTL formulations."""

from ._base import ConvergenceWarning, MTLEstimator, objective
from .joint_feature import JointFeatureMTL
from .low_rank import LowRankMTL
from .mean_regularized import MeanRegularizedMTL
from .pooled import PooledLogistic
from .shared_hidden import SharedHiddenMTL
from .shared_subspace import SharedSubspaceMTL
from .single_task import SingleTaskLogistic

__all__ = [
    "ConvergenceWarning",
    "MTLEstimator",
    "objective",
    "SingleTaskLogistic",
    "PooledLogistic",
    "MeanRegularizedMTL",
    "LowRankMTL",
    "JointFeatureMTL",
    "SharedSubspaceMTL",
    "SharedHiddenMTL",
]
