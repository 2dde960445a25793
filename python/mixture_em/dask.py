"""Mixtures fitted on a Dask cluster: every estimator of ``mixture_em`` (``GaussianMixture``,
``BernoulliMixture``, ...) under the same name, with the same parameters, methods and fitted
attributes, for data in a ``dask.array`` whose row chunks stay where they are.

``fit`` persists the data (and weights), then runs the engine's fit here, on the client: each
pass over the data is one request (the current model, as bytes, shipped once per pass), each
row chunk's answer (its E-step statistics, or its part of the initialisation sample) is
computed by the Rust engine on the worker that holds the chunk, the answers are merged in chunk
order by a tree reduction (neighbours paired level by level, three levels per merge task), and
the M-step runs here.

A chunk is computed in the engine's blocks of 256 rows, merged as the in-memory fit merges them,
so chunks of 256·2^m rows (65 536, 262 144, 1 048 576, ...; the last chunk may be shorter) give
the bits of ``mixture_em``'s in-memory fit. Any chunks give the same bits whatever the number of
workers, threads or the scheduler (other chunk sizes differ from the in-memory fit by rounding
only). A worker lost during a fit costs its chunks' recomputation, not a different result.
``score_samples``, ``predict`` and ``predict_proba`` return dask arrays (``map_blocks``);
``score``, ``bic`` and ``aic`` are reductions over the chunks. Nothing is computed when an
estimator is made.

Any Dask scheduler works; with ``distributed``, the default client's cluster runs the chunks.
Bernoulli's ``binarize`` applies to every chunk; values outside a family's domain are refused by
the workers, naming their row.

Examples
--------
>>> import dask.array as da
>>> import numpy as np
>>> from mixture_em.dask import GaussianMixture
>>> rng = np.random.default_rng(0)
>>> X = da.from_array(np.vstack([rng.normal(0, 1, (500, 2)), rng.normal(8, 1, (500, 2))]), chunks=(250, 2))
>>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
>>> np.sort(gm.means_[:, 0]).round().astype(int)
array([0, 8])
>>> gm.predict(X).chunks
((250, 250, 250, 250),)
"""

import itertools
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import dask
import dask.array as da
import dask.core
import numpy as np
from dask.base import tokenize

from . import _bayesian, _engine, _sklearn
from ._arrays import as_engine_array

__all__ = [*_sklearn.__all__, *_bayesian.__all__]


# --- what runs on the workers ------------------------------------------------------------------


def _answer(spec: Dict[str, Any], request: bytes, x: np.ndarray, w: Optional[np.ndarray], first_row: int) -> bytes:
    """One chunk's answer to a pass's request."""
    w = None if w is None else as_engine_array(w, np.dtype(np.float64))
    return _engine.chunk(spec, request, as_engine_array(x), w, first_row)


# Answers merged per task: 3 levels of the tree in one task (fewer tasks, shallower graph).
_FAN_IN = 8


def _in_groups(items: List[Any], fan_in: int, merge: Callable[..., Any]) -> Any:
    """The engine's merge tree (``_engine.merge_order``), built of ``merge(*group)`` over aligned
    groups of ``fan_in`` (a power of two) neighbours: each group is ``log2(fan_in)`` levels of
    it, merged in the engine's order by the engine."""
    while len(items) > 1:
        groups = [items[j : j + fan_in] for j in range(0, len(items), fan_in)]
        items = [merge(*group) if len(group) > 1 else group[0] for group in groups]
    return items[0]


def _merge(spec: Dict[str, Any], dtype: str, *answers: bytes) -> bytes:
    """The answers of neighbouring runs of chunks (in chunk order), merged as the tree merges
    them."""
    return _engine.merge_chunks(spec, dtype, list(answers))


def _in_chunk(f: Callable[[np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    """``f`` on a block of ``map_blocks``, its errors naming the block's rows."""

    def on_block(block: np.ndarray, block_info: Any = None) -> np.ndarray:
        try:
            return f(as_engine_array(block))
        except ValueError as e:
            if block_info is None:
                raise
            start, stop = block_info[0]["array-location"][0]
            raise ValueError(f"in the chunk of rows {start} to {stop - 1} (rows counted within it): {e}") from e

    return on_block


# --- the client's side ------------------------------------------------------------------------


class _Chunks:
    """The row chunks of a dask array (and weights), as the engine's fit asks for them:
    ``run(request)`` returns every chunk's answer merged in chunk order."""

    def __init__(
        self,
        X: da.Array,
        w: Optional[da.Array],
        spec: Dict[str, Any],
        dtype: str,
        lineage: Optional[da.Array] = None,
    ) -> None:
        self.spec, self.dtype = spec, dtype
        # How X was made before it was persisted: where a lost task's chunk is found.
        self.lineage = lineage
        self.x = X.to_delayed().ravel().tolist()
        self.w = None if w is None else w.to_delayed().ravel().tolist()
        self.sizes = [int(n) for n in X.chunks[0]]
        self.first_rows = [0, *itertools.accumulate(self.sizes)][:-1]
        self.passes = 0
        self.request_bytes = 0

    def token(self, request: bytes) -> str:
        """What names a pass's tasks: everything their answers depend on (the request, the
        spec, the chunks of X and of the weights). Two passes with the same token share their
        tasks' keys, so a cluster may hand one the other's answers."""
        weights = None if self.w is None else [w.key for w in self.w]
        return tokenize(request, self.spec, self.dtype, [x.key for x in self.x], weights)

    def run(self, request: bytes) -> bytes:
        token = self.token(request)
        shipped = dask.delayed(request, name=f"mixture-request-{token}")
        # Each task's key, and the chunks it covers (first, last): to name them if it is lost.
        names: Dict[str, Tuple[int, int]] = {}
        level: List[Any] = []
        for i, (x, first) in enumerate(zip(self.x, self.first_rows)):
            name = f"mixture-chunk-{token}-{i}"
            names[name] = (i, i)
            w = None if self.w is None else self.w[i]
            level.append((dask.delayed(_answer, pure=True)(self.spec, shipped, x, w, first, dask_key_name=name), i, i))
        merges = itertools.count()

        def merge(*group: Any) -> Any:
            name = f"mixture-merge-{token}-{next(merges)}"
            names[name] = (group[0][1], group[-1][2])
            answers = [g[0] for g in group]
            return (dask.delayed(_merge, pure=True)(self.spec, self.dtype, *answers, dask_key_name=name), *names[name])

        root, _, _ = _in_groups(level, _FAN_IN, merge)
        self.passes += 1
        self.request_bytes += len(request)
        try:
            (answer,) = dask.compute(root)
        except Exception as e:
            lost = _lost_chunks(e, names, self.x, self.lineage)
            if lost is None:
                raise
            (a, b), last = lost, self.first_rows[lost[1]] + self.sizes[lost[1]] - 1
            what = f"chunk {a}" if a == b else f"the merge of chunks {a} to {b}"
            raise RuntimeError(
                f"{what} (rows {self.first_rows[a]} to {last}) could not be computed: the "
                f"workers that ran it (or a task it needs) died, as many times as the cluster "
                f"allows (distributed.scheduler.allowed-failures); the fit stopped with no result. "
                f"{e}"
            ) from e
        return answer


def _lost_chunks(
    e: Exception, names: Dict[str, Tuple[int, int]], xs: Sequence[Any], lineage: Optional[da.Array]
) -> Optional[Tuple[int, int]]:
    """The chunks (first, last) whose task, or a task it needs, was lost with its workers, if
    ``e`` says so."""
    try:
        from distributed import KilledWorker
    except ImportError:
        return None
    if not isinstance(e, KilledWorker):
        return None
    key = getattr(e, "task", e.args[0] if e.args else None)
    if key in names:
        return names[key]
    finals = {x.key: i for i, x in enumerate(xs)}
    if key in finals:
        return finals[key], finals[key]
    if lineage is None:
        return None
    # A task that made the data (persisting optimised their graph as dask.optimize does): the
    # first chunk made from it.
    for made in (lineage, dask.optimize(lineage)[0]):
        _, dependents = dask.core.get_deps(dict(made.__dask_graph__()))
        seen, todo, found = {key}, [key], []
        while todo:
            k = todo.pop()
            if k in finals:
                found.append(finals[k])
            for d in dependents.get(k, ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        if found:
            return min(found), min(found)
    return None


def _as_dask(X: Any) -> da.Array:
    if isinstance(X, da.Array):
        return X
    return da.asarray(np.asarray(X))


class _DaskMixture:
    """What the Dask estimators change in the in-memory ones: data in dask arrays."""

    # Set by the in-memory class this one is mixed into.
    _model: _engine.Model

    def _dask_domain(self, X: da.Array) -> da.Array:
        """``X`` as the family takes it: the in-memory ``_to_domain`` of each chunk where it
        transforms (``_transforms_data``: Bernoulli's ``binarize``); where it only checks, the
        engine checks the domain itself, naming the row."""
        if self._transforms_data:  # type: ignore[attr-defined]
            return X.map_blocks(self._to_domain, dtype=X.dtype)  # type: ignore[attr-defined]
        return X

    def _dask_X(self, X: Any, reset: bool) -> da.Array:
        """``X`` as the engine's chunks take it: 2-D, known row chunks, one column chunk,
        float32 or float64 (the model's dtype once fitted)."""
        X = _as_dask(X)
        owner = type(self).__name__
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D array, got a {X.ndim}-D array instead")
        if any(np.isnan(n) for n in X.chunks[0]):
            raise ValueError(
                f"{owner} needs the row chunks' sizes: call X.compute_chunk_sizes() first"
            )
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"Found array with shape {X.shape}: {owner} needs at least one row and one column")
        if reset:
            dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
            self.n_features_in_ = int(X.shape[1])
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            dtype = np.dtype(self._model.dtype)
            if X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {owner} is expecting "
                    f"{self.n_features_in_} features as input."
                )
        X = X.astype(dtype, copy=False)
        if X.numblocks[1] != 1:
            X = X.rechunk({1: -1})
        return self._dask_domain(X)

    def _dask_weights(self, sample_weight: Any, X: da.Array) -> Optional[da.Array]:
        """The weights chunked as ``X``'s rows (their values are checked on the workers)."""
        if sample_weight is None:
            return None
        w = _as_dask(sample_weight)
        if w.ndim != 1 or w.shape[0] != X.shape[0]:
            raise ValueError(
                f"sample_weight.shape == {w.shape}, expected {(X.shape[0],)}!"
            )
        return w.astype(np.float64, copy=False).rechunk((X.chunks[0],))

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Estimates the parameters by E-M as ``mixture_em``'s ``fit`` does, on a
        ``dask.array`` (chunked along rows; columns are joined into one chunk) with optional
        ``sample_weight`` (any array of N values, chunked as ``X``'s rows). The data are
        persisted first; every pass then ships only the model to the workers and their merged
        statistics back."""
        self._check_parameters()
        warm = bool(self.warm_start) and hasattr(self, "_model")
        X = self._dask_X(X, reset=not warm)
        self._check_n_samples(X.shape[0])
        w = self._dask_weights(sample_weight, X)
        lineage = X
        X, w = dask.persist(X, w)
        dtype = X.dtype.name

        def run(spec: Dict[str, Any], start: Optional[_engine.Model], observer: Any) -> Any:
            chunks = _Chunks(X, w, spec, dtype, lineage)
            fitted = _engine.fit_chunked(spec, dtype, X.shape[1], chunks, start=start, observer=observer)
            self._transfer = {"passes": chunks.passes, "request_bytes": chunks.request_bytes}
            return fitted

        return self._fit_with(run, dtype, warm)

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> da.Array:
        """Fits, then returns the label of every row (a dask array)."""
        return self.fit(X, y, sample_weight=sample_weight).predict(X)

    def partial_fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Stepwise E-M as ``mixture_em``'s ``partial_fit``, each row chunk of ``X`` one batch,
        brought here in turn."""
        X = _as_dask(X)
        w = None if sample_weight is None else self._dask_weights(sample_weight, X)
        for i in range(X.numblocks[0]):
            block = X.blocks[i].compute()
            wi = None if w is None else w.blocks[i].compute()
            super().partial_fit(block, sample_weight=wi)  # type: ignore[misc]
        return self

    def _map_rows(self, X: Any, f: Callable[[np.ndarray], np.ndarray], columns: Optional[int], dtype: Any) -> da.Array:
        model = self._fitted()  # type: ignore[attr-defined]
        X = self._dask_X(X, reset=False)
        on_block = _in_chunk(lambda block: f(model, block))
        if columns is None:
            return X.map_blocks(on_block, drop_axis=1, dtype=dtype, meta=np.empty((0,), dtype=dtype))
        return X.map_blocks(on_block, chunks=(X.chunks[0], (columns,)), dtype=dtype, meta=np.empty((0, 0), dtype=dtype))

    def score_samples(self, X: Any) -> da.Array:
        """ln p(x) of every row (a dask array)."""
        return self._map_rows(X, lambda m, b: m.score_samples(b), None, np.dtype(self._fitted().dtype))

    def predict_proba(self, X: Any) -> da.Array:
        """Responsibilities (a dask array, N×K)."""
        model = self._fitted()
        return self._map_rows(X, lambda m, b: m.predict_proba(b), model.n_components, np.dtype(model.dtype))

    def predict(self, X: Any) -> da.Array:
        """The most probable component of every row (a dask array)."""
        return self._map_rows(X, lambda m, b: m.predict(b), None, np.int64)

    def _log_likelihood(self, X: Any, sample_weight: Any = None) -> Tuple[float, float]:
        """ln p(X) and the total weight (rows, without weights): one pass over the chunks."""
        model = self._fitted()
        X = self._dask_X(X, reset=False)
        w = self._dask_weights(sample_weight, X)
        spec = self._spec(0, 1)  # type: ignore[attr-defined]
        ll, total, _ = _engine.score_chunked(spec, model, _Chunks(X, w, spec, X.dtype.name))
        return ll, total

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean ln p(x) per row (per unit of weight with ``sample_weight``): a reduction."""
        ll, total = self._log_likelihood(X, sample_weight)
        return ll / total

    def bic(self, X: Any) -> float:
        """Bayesian information criterion −2 ln p(X) + p ln N (lower is better): a reduction."""
        ll, n = self._log_likelihood(X)
        return _engine.information_criteria(ll, self._fitted().n_parameters, n)[0]

    def aic(self, X: Any) -> float:
        """Akaike information criterion −2 ln p(X) + 2p (lower is better): a reduction."""
        ll, n = self._log_likelihood(X)
        return _engine.information_criteria(ll, self._fitted().n_parameters, n)[1]


def _on_dask(cls: type) -> type:
    """``cls`` (a ``mixture_em`` estimator) on a Dask cluster."""
    doc = (
        f"``mixture_em.{cls.__name__}`` on a Dask cluster: the same parameters, methods and "
        "fitted attributes, for data in a ``dask.array`` (see the module's documentation)."
    )
    return type(cls.__name__, (_DaskMixture, cls), {"__doc__": doc, "__module__": __name__})


# One Dask class per in-memory estimator, whatever the family.
for _name in _sklearn.__all__:
    globals()[_name] = _on_dask(getattr(_sklearn, _name))


class _DaskBayesian(_DaskMixture):
    """What the variational classes do on a Dask cluster (see ``BayesianGaussianMixture``)."""

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Variational inference as ``mixture_em``'s ``fit`` does, on a ``dask.array`` (and
        optional ``sample_weight``): every pass ships the current posterior's scoring model to
        the workers and their merged statistics back."""
        self._check_parameters()
        warm = bool(self.warm_start) and hasattr(self, "_model")
        X = self._dask_X(X, reset=not warm)
        self._check_rows(X.shape)
        w = self._dask_weights(sample_weight, X)
        lineage = X
        X, w = dask.persist(X, w)
        dtype = X.dtype.name

        def run(spec: Dict[str, Any], prior: Dict[str, Any], start: Any, observer: Any) -> Any:
            chunks = _Chunks(X, w, spec, dtype, lineage)
            fitted = _engine.fit_variational_chunked(
                spec, prior, dtype, X.shape[1], chunks, start=start, observer=observer
            )
            self._transfer = {"passes": chunks.passes, "request_bytes": chunks.request_bytes}
            return fitted

        return self._fit_variational(run, X.shape[1], warm)

    @property
    def partial_fit(self) -> Any:  # type: ignore[override]
        raise AttributeError(f"{type(self).__name__} has no partial_fit: use fit, or warm_start=True")

    def score_samples(self, X: Any, predictive: bool = False) -> da.Array:  # type: ignore[override]
        """As the in-memory ``score_samples`` (a dask array)."""
        dtype = np.dtype(self._fitted().dtype)
        if predictive:
            return self._map_rows(X, lambda m, b: self._predictive_log_density(b).astype(dtype), None, dtype)
        shift = dtype.type(self._log_normaliser)
        return self._map_rows(X, lambda m, b: m.score_samples(b) + shift, None, dtype)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """The mean of ``score_samples`` (per unit of weight with ``sample_weight``): a
        reduction."""
        ll, total = self._log_likelihood(X, sample_weight)
        return ll / total + self._log_normaliser

    def _sampler_log_likelihood(self, X: Any) -> Tuple[float, float]:
        self._fitted()
        X = self._dask_X(X, reset=False)
        spec = self._spec(0, 1)
        ll, total, _ = _engine.score_chunked(spec, self._sampler, _Chunks(X, None, spec, X.dtype.name))
        return ll, total

    def bic(self, X: Any) -> float:
        """BIC of the posterior mean mixture: a reduction."""
        ll, n = self._sampler_log_likelihood(X)
        return _engine.information_criteria(ll, self._sampler.n_parameters, n)[0]

    def aic(self, X: Any) -> float:
        """AIC of the posterior mean mixture: a reduction."""
        ll, n = self._sampler_log_likelihood(X)
        return _engine.information_criteria(ll, self._sampler.n_parameters, n)[1]


def _bayesian_on_dask(cls: type) -> type:
    """``cls`` (a variational class of ``mixture_em``) on a Dask cluster."""
    doc = (
        f"``mixture_em.{cls.__name__}`` on a Dask cluster: the same parameters, methods and "
        "fitted attributes, for data in a ``dask.array`` (see the module's documentation). "
        "Chunks of 256·2^m rows give the bits of the in-memory fit."
    )
    return type(cls.__name__, (_DaskBayesian, cls), {"__doc__": doc, "__module__": __name__})


for _name in _bayesian.__all__:
    globals()[_name] = _bayesian_on_dask(getattr(_bayesian, _name))
