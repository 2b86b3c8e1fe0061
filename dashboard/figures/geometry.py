"""Plane geometry of the boundary plots: lines and half-planes clipped to the drawn square, the plane of two features."""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: Half-width of the square drawn around the data (features are standard normal).
VIEW = 3.0
GRID = 61


def segment(a: float, b: float, c: float, lo: float = -VIEW, hi: float = VIEW) -> tuple[list, list]:
    """Part of the line ``a x + b y + c = 0`` inside the square [lo, hi]^2 (empty lists if none)."""
    pts: list[tuple[float, float]] = []
    eps = 1e-9 * (hi - lo)
    if abs(b) > 1e-12:
        for x in (lo, hi):
            y = -(a * x + c) / b
            if lo - eps <= y <= hi + eps:
                pts.append((x, min(max(y, lo), hi)))
    if abs(a) > 1e-12:
        for y in (lo, hi):
            x = -(b * y + c) / a
            if lo - eps <= x <= hi + eps:
                pts.append((min(max(x, lo), hi), y))
    if len(pts) < 2:
        return [], []
    best = max(
        ((p, q) for i, p in enumerate(pts) for q in pts[i + 1 :]),
        key=lambda pq: (pq[0][0] - pq[1][0]) ** 2 + (pq[0][1] - pq[1][1]) ** 2,
    )
    if best[0] == best[1]:
        return [], []
    return [best[0][0], best[1][0]], [best[0][1], best[1][1]]


def segments(a: np.ndarray, b: np.ndarray, c: np.ndarray, lo: float = -VIEW, hi: float = VIEW) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`segment` for many lines at once.

    Returns end points ``xs``, ``ys`` of shape (N, 2) and a mask of shape (N,)
    telling which lines cross the square.
    """
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    eps = 1e-9 * (hi - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.array([lo, hi])
        # crossings with the vertical edges x = lo, hi and the horizontal edges y = lo, hi
        xv = np.broadcast_to(edge, a.shape + (2,))
        yv = -(a[:, None] * xv + c[:, None]) / b[:, None]
        yh = np.broadcast_to(edge, a.shape + (2,))
        xh = -(b[:, None] * yh + c[:, None]) / a[:, None]
    px = np.concatenate([xv, np.clip(xh, lo, hi)], axis=1)
    py = np.concatenate([np.clip(yv, lo, hi), yh], axis=1)
    ok = np.concatenate(
        [(np.abs(b) > 1e-12)[:, None] & (yv >= lo - eps) & (yv <= hi + eps),
         (np.abs(a) > 1e-12)[:, None] & (xh >= lo - eps) & (xh <= hi + eps)], axis=1)
    # the two valid crossings farthest apart along the line's direction (b, -a)
    t = px * b[:, None] - py * a[:, None]
    t_lo = np.where(ok, t, np.inf)
    t_hi = np.where(ok, t, -np.inf)
    i0, i1 = np.argmin(t_lo, axis=1), np.argmax(t_hi, axis=1)
    rows = np.arange(a.size)
    xs = np.stack([px[rows, i0], px[rows, i1]], axis=1)
    ys = np.stack([py[rows, i0], py[rows, i1]], axis=1)
    valid = (ok.sum(axis=1) >= 2) & (np.hypot(xs[:, 0] - xs[:, 1], ys[:, 0] - ys[:, 1]) > eps)
    return xs, ys, valid


def halfplane(a: float, b: float, c: float, lo: float = -VIEW, hi: float = VIEW) -> tuple[list, list]:
    """Polygon of the square [lo, hi]^2 where ``a x + b y + c > 0`` (closed; empty if none)."""
    square = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]
    f = lambda p: a * p[0] + b * p[1] + c  # noqa: E731
    out: list[tuple[float, float]] = []
    for i in range(4):
        p, q = square[i], square[(i + 1) % 4]
        fp, fq = f(p), f(q)
        if fp >= 0:
            out.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    if len(out) < 3:
        return [], []
    xs = [p[0] for p in out] + [out[0][0]]
    ys = [p[1] for p in out] + [out[0][1]]
    return xs, ys


class Plane:
    """The 2-D plane of features ``i`` and ``j``; the other features fixed at ``center``."""

    def __init__(self, i: int, j: int, center: np.ndarray, names: Sequence[str]):
        self.i, self.j = int(i), int(j)
        self.center = np.asarray(center, dtype=float)
        self.d = self.center.size
        self.names = list(names)
        self.grid = np.linspace(-VIEW, VIEW, GRID)

    @property
    def is_full(self) -> bool:
        return self.d == 2

    def line(self, w: np.ndarray, b: float) -> tuple[float, float, float]:
        """Coefficients (a, b, c) of ``w . x + b`` restricted to the plane."""
        rest = [k for k in range(self.d) if k not in (self.i, self.j)]
        c = float(b) + float(np.dot(np.asarray(w)[rest], self.center[rest])) if rest else float(b)
        return float(w[self.i]), float(w[self.j]), c

    def lines(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`line` for many weight vectors: ``W`` of shape (N, d), ``b`` of shape (N,)."""
        W = np.asarray(W, dtype=float)
        rest = [k for k in range(self.d) if k not in (self.i, self.j)]
        c = np.asarray(b, dtype=float) + (W[:, rest] @ self.center[rest] if rest else 0.0)
        return W[:, self.i], W[:, self.j], c

    def points(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[:, self.i], X[:, self.j]

    def grid_of(self, n: int = GRID) -> np.ndarray:
        return self.grid if n == GRID else np.linspace(-VIEW, VIEW, n)

    def mesh(self, n: int = GRID) -> np.ndarray:
        grid = self.grid_of(n)
        xx, yy = np.meshgrid(grid, grid)
        X = np.tile(self.center, (xx.size, 1))
        X[:, self.i] = xx.ravel()
        X[:, self.j] = yy.ravel()
        return X

    def caption(self) -> str:
        if self.is_full:
            return ""
        return (
            f"Showing the plane of {self.names[self.i]} and {self.names[self.j]}; the other "
            f"{self.d - 2} feature{'s' if self.d > 3 else ''} fixed at {'their' if self.d > 3 else 'its'} mean; "
            "points are projected onto the plane."
        )
