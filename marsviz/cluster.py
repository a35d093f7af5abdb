"""Rendering an export on a Dask distributed cluster (``marsviz export --cluster``).

The client (the machine that runs ``marsviz export``) hands out chunks of frames: each task
carries the plan (scattered once to every worker), the export settings and the frame indices
and instants of one chunk. A worker renders the chunk with its own off-screen renderer, encodes
it to a video segment or PNG frames in a private temporary directory, and returns the bytes.
Workers need no shared disk: only the client writes files, through :mod:`marsviz.safeio`, so
the result is the same as a one-process export. A task whose worker is lost is run again on
another worker by the scheduler.

``--cluster local`` starts a cluster of this machine's processes on 127.0.0.1 (they stop when
marsviz stops, even when it is killed: each worker process exits as soon as the pipe its parent
holds open closes, see ``distributed.process.AsyncProcess``); any other value is the address of
a scheduler the user started (``dask scheduler``, ``dask worker ADDRESS
--nthreads 1`` on each machine). No Qt here.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict

from marsviz.errors import MarsvizError, UsageError

_RENDER_LOCK = threading.Lock()  # one render at a time in a worker process (VTK is not thread-safe)


def worker_identity() -> dict:
    """What must match between the client and each worker for identical bytes."""
    import imageio_ffmpeg

    from marsviz import __version__

    return {"marsviz": __version__, "ffmpeg": imageio_ffmpeg.get_ffmpeg_version()}


def render_chunk_task(plan_data, settings_dict: dict, chunk) -> dict:
    """The task a worker runs: one chunk, returned as bytes (see :func:`marsviz.export.render_chunk`)."""
    from marsviz.export import render_chunk

    with _RENDER_LOCK:
        return render_chunk(plan_data, settings_dict, chunk)


def connect(address: str, workers: int):
    """(client, local cluster or None) for ``--cluster ADDRESS|local``."""
    for name in ("distributed", "distributed.nanny", "distributed.worker", "distributed.scheduler",
                 "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from dask.distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        return Client(address, timeout="20s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--cluster: cannot reach a Dask scheduler at {address}: {exc}") from None


def check_workers(client) -> None:
    """Refuse workers whose marsviz or ffmpeg differ from this machine's (bytes would differ)."""
    mine = worker_identity()
    for addr, theirs in sorted(client.run(worker_identity).items()):
        if theirs != mine:
            raise UsageError(f"--cluster: worker {addr} has marsviz {theirs['marsviz']} and ffmpeg "
                             f"{theirs['ffmpeg']}; this machine has marsviz {mine['marsviz']} and ffmpeg "
                             f"{mine['ffmpeg']}: install the same versions everywhere")


def render_on_cluster(address: str, plan, s, chunks, workers: int = 2, on_result=None):
    """Yield (chunk, result) as chunks finish on the cluster, in any order.

    ``on_result(client)`` is called after each result (tests use it to kill a worker mid-run).
    A cluster that does not answer in time is one line for the user, not "cannot write"
    (``TimeoutError`` is an ``OSError``).
    """
    try:
        yield from _render_on_cluster(address, plan, s, chunks, workers, on_result)
    except TimeoutError as exc:
        why = str(exc).strip() or "timed out"
        raise MarsvizError(f"--cluster {address}: the Dask cluster did not answer in time ({why}); "
                           "finished segments are kept, run the same command with --resume to continue") from None


def _render_on_cluster(address: str, plan, s, chunks, workers: int, on_result):
    from dask.distributed import as_completed

    from marsviz.export import settings_digest

    client, cluster = connect(address, workers)
    futures = []
    try:
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=60)
        check_workers(client)
        [plan_f] = client.scatter([plan.to_dict()], broadcast=True)
        settings = asdict(s)
        tag = settings_digest(s)[:12]
        by_key = {}
        for c in chunks:
            fut = client.submit(render_chunk_task, plan_f, settings, c, pure=False,
                                key=f"marsviz-{tag}-chunk-{c.number}")
            futures.append(fut)
            by_key[fut.key] = c
        for fut in as_completed(futures):
            res = fut.result()
            fut.release()
            yield by_key[fut.key], res
            if on_result is not None:
                on_result(client)
    finally:
        for fut in futures:
            fut.cancel()
        client.close()
        if cluster is not None:
            cluster.close()
