#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delays every chunk by DELAY ms in each
direction, keeping order: a userspace stand-in for netem where the kernel
has none.  One round trip through it costs 2 * DELAY.  The TCP handshake
to the proxy itself is not delayed.

usage: delayproxy.py DELAY_MS UPSTREAM_PORT PORTFILE
Writes its listening port to PORTFILE; serves until killed."""
import asyncio
import os
import sys


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(sender())
    while True:
        data = await reader.read(65536)
        queue.put_nowait((loop.time() + delay, data or None))
        if not data:
            break
    await task


async def main():
    delay = int(sys.argv[1]) / 1000.0
    upstream = int(sys.argv[2])

    async def handle(cr, cw):
        sr, sw = await asyncio.open_connection("127.0.0.1", upstream)
        await asyncio.gather(pump(cr, sw, delay), pump(sr, cw, delay),
                             return_exceptions=True)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = sys.argv[3] + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.rename(tmp, sys.argv[3])
    async with server:
        await server.serve_forever()


asyncio.run(main())
