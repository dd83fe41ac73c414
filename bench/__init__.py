"""Benchmarks for sagegate: `python -m bench` / `make bench`.

Every figure is measured in one run against a ceiling measured in the same run (a raw ASGI app
under the same uvicorn settings), because this 2-core machine is noisy and the load client
competes with the server for the CPU. Modules, one concern each:

    loadgen    the Python load client (a separate process; raw asyncio protocol, keep-alive)
    wrk        the `wrk` load client, used when it is on PATH
    ceiling    the raw ASGI app that sets the ceiling
    servers    starting and stopping the server processes of a scenario
    scenarios  the five scenarios and how each is served and called
    runner     runs every scenario at every concurrency
    profile    the per-step profile of one request, in-process
    inprocess  the gateway's CPU per request under concurrency, in-process (no HTTP server)
    model      the default model's figures (pairs/s in a batch, µs for a 3-item request)
    report     the printed tables and bench/results/latest.json
    plot       bench/results/latest.png
    ab         A/B of a hot-path mechanism against its simple or standard form, interleaved
    variant    runs a server with one mechanism swapped (the B sides of `ab`)
    vtl        the two VTL engines on the default API's templates
"""
