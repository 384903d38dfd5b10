"""Rescore over several processes: worker processes compute, this process applies.

The core is pure Python, so one process uses one core. A rescore spreads the pure part of each chunk
(read the stored contacts, decode them, qualify, render the write-back values) over worker processes that
read the store through their own read-only connections (SQLite WAL readers run beside the writer). This
process keeps everything that changes state, exactly as in a single-process run: the claim, storing
qualifications and stage history, the write plan, the destination, the run report. What a worker computed
is applied only if the contact's stored state is still the one the worker read; otherwise the contact is
computed again here, under the claim (``Pipeline.apply_computed``).

Workers are forked, so they start with the model and mapping already loaded.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from connector.mapping.schema import Mapping as SourceMapping
from connector.pipeline import Computed, Pipeline, PipelineOptions
from connector.qualify import ScoringModel
from connector.qualify.batch import gc_paused
from connector.store import Store
from connector.store.engine import create_store_engine

#: Below this many contacts, starting processes costs more than it saves.
MIN_CONTACTS = 20_000

_worker: dict[str, Pipeline] = {}


def auto_workers(contacts: int) -> int:
    """How many worker processes a rescore of ``contacts`` uses by default (0: none, work in-process)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2 or contacts < MIN_CONTACTS:
        return 0
    return min(cores, 4)


def _start(url: str, model: ScoringModel, mapping: SourceMapping, now: datetime, options: PipelineOptions) -> None:
    gc.enable()  # forked while the parent had it paused (rescore_chunks); each chunk pauses it again
    store = Store(create_store_engine(url, read_only=True))
    _worker["pipeline"] = Pipeline(store, model, mapping, now=now, rescoring=True, options=options)


def _compute(keys: list[str]) -> list[Computed]:
    pipeline = _worker["pipeline"]
    with pipeline.store.engine.connect() as conn, conn.begin(), gc_paused():
        return pipeline.compute_stored(conn, keys)


def rescore_chunks(pipeline: Pipeline, chunks: Iterable[list[str]], workers: int,
                   done: Callable[[int], None]) -> None:
    """Rescore ``chunks`` of store keys with ``workers`` processes computing ahead of this one applying."""
    context = multiprocessing.get_context("fork")
    url = pipeline.store.url.render_as_string(hide_password=False)
    args: tuple[Any, ...] = (url, pipeline.model, pipeline.mapping, pipeline.now, pipeline.options)
    # The results arriving from the workers are unpickled on a thread of this process, outside the
    # batches' pauses (see Pipeline._claimed): millions of acyclic objects that would set off collections
    # walking this process's heap. Paused for the whole rescore; reference counting still frees them.
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=args) as pool, gc_paused():
        pending: deque[tuple[list[str], Future[list[Computed]]]] = deque()

        def apply_oldest() -> None:
            keys, future = pending.popleft()
            pipeline.apply_computed(keys, future.result())
            done(len(keys))

        for keys in chunks:
            pending.append((keys, pool.submit(_compute, keys)))
            if len(pending) > 2 * workers:  # enough queued to keep every worker busy; bounded memory
                apply_oldest()
        while pending:
            apply_oldest()
