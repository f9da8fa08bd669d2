"""Where the stages run: shards of documents mapped, in order, over one or more workers.

An executor takes a *factory* (a picklable callable that loads the stages, e.g. the pipeline) and
maps the function it returns over shards. Each worker calls the factory once and keeps the result,
so the model loads once per process, never per shard. Results come back in input order and at most
``window`` shards are in flight, so memory does not grow with the input.

- ``local``, one process: the shards are annotated in this process.
- ``local``, ``n_process`` > 1: a process pool; where ``fork`` exists the workers inherit the stages
  loaded here (loaded once for all processes), elsewhere each worker loads them.
- ``dask``: dask.distributed workers, a LocalCluster of ``n_process`` workers or a running scheduler.
"""
from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Protocol

from .util import UserError

Factory = Callable[[], Callable[[Any], Any]]

# Per worker process: the loaded function of each factory key (one pipeline a process in practice).
_LOADED: dict[str, Callable[[Any], Any]] = {}


def loaded(key: str, factory: Factory) -> Callable[[Any], Any]:
    """The function of ``factory`` in this process, loaded on first use."""
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = factory()
    return _LOADED[key]


def preload(key: str, factory: Factory) -> None:
    """Load the function of ``factory`` in this process (returns nothing to send back)."""
    loaded(key, factory)


def call(key: str, factory: Factory, task: Any) -> Any:
    """Run one task with this process's loaded function (what workers execute)."""
    return loaded(key, factory)(task)


def ordered(submit: Callable[[Any], Any], tasks: Iterable[Any], window: int) -> Iterator[Any]:
    """Submit tasks keeping at most ``window`` in flight; yield their results in input order."""
    pending: deque[Any] = deque()
    for task in tasks:
        pending.append(submit(task))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class Executor(Protocol):
    workers: int
    startup: float

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcess:
    """Everything in this process."""

    def __init__(self, key: str, factory: Factory) -> None:
        start = time.perf_counter()
        self.function = loaded(key, factory)
        self.startup = time.perf_counter() - start
        self.workers = 1

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]:
        return map(self.function, tasks)

    def close(self) -> None:
        pass


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessPool:
    """``n`` worker processes on this machine."""

    def __init__(self, key: str, factory: Factory, n: int) -> None:
        start = time.perf_counter()
        fork = "fork" in multiprocessing.get_all_start_methods()
        if fork:
            loaded(key, factory)  # the forked workers inherit it: one load for all processes
        context = multiprocessing.get_context("fork" if fork else "spawn")
        self.pool = ProcessPoolExecutor(n, mp_context=context, initializer=_ignore_sigint)
        self.key, self.factory, self.workers = key, factory, n
        self.startup = time.perf_counter() - start

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]:
        return ordered(lambda t: self.pool.submit(call, self.key, self.factory, t), tasks, 2 * self.workers)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class Dask:
    """dask.distributed workers: a LocalCluster of ``n`` single-threaded worker processes, or the
    workers of the scheduler at ``address``. Each worker loads the stages once, up front."""

    def __init__(self, key: str, factory: Factory, n: int, address: str | None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError("[system] executor = \"dask\" needs dask.distributed: pip install 'govnlp-pipeline[dask]'") from None
        start = time.perf_counter()
        self.cluster = None
        if address:
            try:
                self.client = Client(address, timeout="30s")
            except OSError as error:
                raise UserError(f"[system] scheduler {address!r}: cannot connect ({error}); start the scheduler or set scheduler = null") from None
        else:
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
            self.client = Client(self.cluster)
        self.key, self.factory = key, factory
        self.client.run(preload, key, factory)  # load on every worker now, in parallel
        self.workers = len(self.client.scheduler_info()["workers"])
        self.startup = time.perf_counter() - start

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]:
        submit = lambda t: self.client.submit(call, self.key, self.factory, t, pure=False)  # noqa: E731
        return ordered(submit, tasks, 2 * self.workers)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str, key: str, factory: Factory, n_process: int, scheduler: str | None = None) -> Executor:
    """The executor named by ``[system] executor`` with its workers started and the stages loaded."""
    if kind == "dask":
        return Dask(key, factory, n_process, scheduler)
    if n_process > 1:
        return ProcessPool(key, factory, n_process)
    return InProcess(key, factory)
