"""mtl_core: the NumPy engine behind the multi-task learning dashboard.

- `make_tasks` builds related / unrelated synthetic tasks (`TaskSet`);
- the models (`SingleTaskLogistic`, `PooledLogistic`, `MeanRegularizedMTL`,
  `LowRankMTL`, `JointFeatureMTL`, `SharedSubspaceMTL`, `SharedHiddenMTL`,
  `ClusteredMTL`) are scikit-learn estimators that fit lists of per-task arrays;
- `compare`, `sweep`, `learning_curve` and `lambda_path` run the experiments.
"""

from .models import (
    MODELS,
    ClusteredMTL,
    ConvergenceWarning,
    CrossValidationError,
    DivergenceError,
    JointFeatureMTL,
    MinorityClassWarning,
    LowRankMTL,
    MeanRegularizedMTL,
    MTLEstimator,
    PooledLogistic,
    SharedHiddenMTL,
    SharedSubspaceMTL,
    SingleTaskLogistic,
)
from .taskset import TaskSet
from .tasks import make_tasks

__all__ = [
    "TaskSet",
    "make_tasks",
    "MODELS",
    "ConvergenceWarning",
    "CrossValidationError",
    "DivergenceError",
    "MinorityClassWarning",
    "MTLEstimator",
    "SingleTaskLogistic",
    "PooledLogistic",
    "MeanRegularizedMTL",
    "LowRankMTL",
    "JointFeatureMTL",
    "SharedSubspaceMTL",
    "SharedHiddenMTL",
    "ClusteredMTL",
]
