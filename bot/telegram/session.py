"""The Bot API session: aiogram's, closed without its TLS pause where nothing was TLS."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiogram.client.session.aiohttp import AiohttpSession


class Session(AiohttpSession):
    """aiogram's aiohttp session. Closing it, aiogram waits 250 ms for TLS connections to shut
    down (aiohttp's graceful shutdown); a server reached over plain http (a local Bot API
    server, the tests' fake) has none, and a stop or `doctor` need not wait for them: doctor
    took 0.25 s longer than its checks, and each stop of a bot as much."""

    async def close(self) -> None:
        if urlsplit(self.api.base).scheme == "http":  # (urlsplit lowers HTTP://)
            if self._session is not None and not self._session.closed:
                await self._session.close()
            return
        await super().close()
