"""A plant stand-in for the restart tests, run as its own process so that a test can kill it outright.

It serves one tag, ``C-1.count``, whose value is ``k`` at time ``k * dt`` after ``origin`` (UNIX s): the value
and its source timestamp are both known in advance, so a test can tell exactly what reached the bridge. After a
restart it carries on with the ``k`` of the current time. Each value is appended to ``--log`` once written.

    python counter_server.py PORT ORIGIN --dt 0.05 --log written.txt [--history history.db]
"""
import argparse
import asyncio
import math
import time

from bridge.server import TwinServer
from twin.tags import TagBus


async def main(args) -> None:
    bus = TagBus()
    bus.define("C-1.count")
    k = math.ceil((time.time() - args.origin) / args.dt)
    bus.write("C-1.count", float(k), t=round(k * args.dt, 6))
    async with TwinServer(bus, f"opc.tcp://127.0.0.1:{args.port}", history=args.history, time_origin=args.origin):
        with open(args.log, "a") as log:
            print(f"{k} {k * args.dt:.6f}", file=log, flush=True)
            while True:
                k += 1
                await asyncio.sleep(max(0.0, args.origin + k * args.dt - time.time()))
                bus.write("C-1.count", float(k), t=round(k * args.dt, 6))
                print(f"{k} {k * args.dt:.6f}", file=log, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("origin", type=float)
    parser.add_argument("--dt", type=float, default=0.05)
    parser.add_argument("--log", required=True)
    parser.add_argument("--history")
    asyncio.run(main(parser.parse_args()))
