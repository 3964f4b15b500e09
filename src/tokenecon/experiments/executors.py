"""Where experiment tasks run: in this process, in local processes, or on a Dask cluster.

Every task is a pure function of (scenario, seed), so any executor gives the same results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ..errors import TokenEconError
from ..progress import Tally

__all__ = ["make_executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor"]


def _bar(tasks: list, desc: str, progress: bool, unit: str, sizes: list[int] | None) -> Tally:
    total = sum(sizes) if sizes is not None else len(tasks)
    return Tally(desc, total, unit=unit, enabled=progress)


def _tick(bar: Tally, sizes: list[int] | None, k: int) -> None:
    """Task `k` finished: it stands for `sizes[k]` items, all but one of them re-billed."""
    size = sizes[k] if sizes is not None else 1
    bar.update(size, rebilled=size - 1)


class SerialExecutor:
    name = "serial"

    def map(self, fn: Callable, tasks: list, *, desc: str = "runs", progress: bool = False,
            unit: str = "run", sizes: list[int] | None = None) -> list[Any]:
        results = []
        with _bar(tasks, desc, progress, unit, sizes) as bar:
            for k, task in enumerate(tasks):
                results.append(fn(task))
                _tick(bar, sizes, k)
        return results

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Local worker processes (both cores here by default)."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1

    def map(self, fn: Callable, tasks: list, *, desc: str = "runs", progress: bool = False,
            unit: str = "run", sizes: list[int] | None = None) -> list[Any]:
        if len(tasks) <= 1 or self.workers == 1:
            return SerialExecutor().map(fn, tasks, desc=desc, progress=progress, unit=unit, sizes=sizes)
        results: list[Any] = [None] * len(tasks)
        with ProcessPoolExecutor(max_workers=self.workers) as pool, _bar(tasks, desc, progress, unit, sizes) as bar:
            futures = {pool.submit(fn, task): k for k, task in enumerate(tasks)}
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                results[futures[future]] = future.result()
                _tick(bar, sizes, futures[future])
        return results

    def close(self) -> None:
        pass


class DaskExecutor:
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster of `local_workers`."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise TokenEconError("Dask executors need the 'distributed' package: pip install 'tokenecon[dask]'") from None
        self.cluster = None
        if scheduler is not None:
            try:
                self.client = Client(scheduler, timeout="10s")
            except ValueError as exc:  # not an address Dask can parse (no port, an unknown scheme)
                raise TokenEconError(f"--scheduler {scheduler}: not a scheduler address like tcp://HOST:8786 "
                                     f"({exc})") from None
            except (OSError, TimeoutError) as exc:
                raise TokenEconError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            self.cluster = LocalCluster(n_workers=local_workers or 2, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)

    def map(self, fn: Callable, tasks: list, *, desc: str = "runs", progress: bool = False,
            unit: str = "run", sizes: list[int] | None = None) -> list[Any]:
        from distributed import as_completed

        futures = self.client.map(fn, tasks, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        with _bar(tasks, desc, progress, unit, sizes) as bar:
            for future in as_completed(futures):
                results[index[future.key]] = future.result()
                _tick(bar, sizes, index[future.key])
        return results

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(*, scheduler: str | None = None, dask_local: int | None = None, workers: int | None = None,
                  serial: bool = False):
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(scheduler, dask_local)
    if serial:
        return SerialExecutor()
    return ProcessExecutor(workers)

