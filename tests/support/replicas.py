"""Bot processes in webhook mode behind a (test-made) load balancer, as a team runs replicas:
each replica has a folder and a log of its own (a.log, b.log); the balancer delivers each
update to the next replica that takes it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import STARTING, free_port, start_bot

SECRET = "replica-webhook-secret"
PUBLIC = "https://bot.example.org/tg/hook"  # the load balancer's address, as Telegram knows it


class Balancer:
    """Delivers each update to the next replica in turn; one that refuses the connection (it
    stopped) is skipped, as a load balancer's health check would."""

    def __init__(self, ports: list[int]) -> None:
        self.urls = [f"http://127.0.0.1:{port}/tg/hook" for port in ports]
        self.turn = 0
        self.http = aiohttp.ClientSession()
        self.delivered: list[int] = [0] * len(ports)

    async def deliver(self, update: dict[str, Any]) -> int:
        """POST the update to the next replica that takes it; which one did."""
        for _ in range(len(self.urls)):
            replica = self.turn % len(self.urls)
            self.turn += 1
            if await self.post(update, replica):
                return replica
        raise AssertionError("no replica took the update")

    async def post(self, update: dict[str, Any], replica: int) -> bool:
        """POST the update to that replica (out of turn); whether it took it."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:
            async with self.http.post(self.urls[replica], json=update, headers=headers) as r:
                if r.status == 200:
                    self.delivered[replica] += 1
                    return True
        except aiohttp.ClientConnectionError:
            pass
        return False


@asynccontextmanager
async def replicas(
    folder: Path, fake: FakeTelegram, **settings: str
) -> AsyncIterator[tuple[list[asyncio.subprocess.Process], Balancer]]:
    """Two replicas (a and b) of ``python -m bot`` with ``settings`` beside the webhook's, up and
    listening; killed at the end if a test left them running."""
    ports = [free_port(), free_port()]
    processes = []
    since = len(fake.requests)
    for name, port in zip("ab", ports, strict=True):
        (folder / name).mkdir()
        webhook = {
            "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url,
            "WEBHOOK_URL": PUBLIC, "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
        }  # fmt: skip
        with (folder / f"{name}.log").open("wb") as out:
            processes.append(await start_bot(folder / name, out, **webhook, **settings))
    balancer = Balancer(ports)
    try:
        # Both replicas up: each registers the webhook.
        for _ in processes:
            call = await fake.wait_for("setWebhook", timeout=STARTING, since=since)
            since = fake.requests.index(call) + 1
        await wait_until_listening(ports)
        yield processes, balancer
    finally:
        await balancer.http.close()
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def wait_until_listening(ports: list[int]) -> None:
    """Until each port takes a connection (a replica registers its webhook, then listens)."""
    async with asyncio.timeout(STARTING):
        for port in ports:
            while True:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    await asyncio.sleep(0.2)
                    continue
                writer.close()
                break
