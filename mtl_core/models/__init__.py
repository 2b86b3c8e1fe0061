"""The model family: STL and pooled baselines and the classic MTL formulations."""

from ..exceptions import ConvergenceWarning, CrossValidationError, DivergenceError, MinorityClassWarning
from ._base import MTLEstimator
from .clustered import ClusteredMTL
from .joint_feature import JointFeatureMTL
from .low_rank import LowRankMTL
from .mean_regularized import MeanRegularizedMTL
from .pooled import PooledLogistic
from .registry import BASELINES, MODELS, MTL_MODELS, ModelSpec, spec_for_cli
from .shared_hidden import SharedHiddenMTL
from .shared_subspace import SharedSubspaceMTL
from .single_task import SingleTaskLogistic

__all__ = [
    "ConvergenceWarning",
    "CrossValidationError",
    "DivergenceError",
    "MinorityClassWarning",
    "MTLEstimator",
    "ModelSpec",
    "MODELS",
    "MTL_MODELS",
    "BASELINES",
    "spec_for_cli",
    "SingleTaskLogistic",
    "PooledLogistic",
    "MeanRegularizedMTL",
    "LowRankMTL",
    "JointFeatureMTL",
    "SharedSubspaceMTL",
    "SharedHiddenMTL",
    "ClusteredMTL",
]
