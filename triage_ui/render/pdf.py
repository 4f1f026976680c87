"""HTML -> PDF with one long-lived chromium per UI process (Playwright, ``page.pdf()``).

Starting chromium costs about a second of CPU and ~150 MB; a report costs a fraction of
that. So each UI process keeps one browser, started on first use and driven from its
own thread and event loop; requests ``await`` their PDF there, so no request thread
(and no event loop of the server) waits on chromium. At most ``concurrency`` reports
render at once; a crashed browser is started again on the next report.

Every report renders in a fresh offline context with JavaScript off, from self-contained
HTML (``set_content``): chromium never opens a network connection. chromium's sandbox is
on whenever the UI runs as an unprivileged user (as it should in production); as root,
where the sandbox cannot start, it runs with ``--no-sandbox``.
"""

from __future__ import annotations

import asyncio
import os
import threading

from playwright.async_api import Browser, Playwright, async_playwright

from signaal.chromium import LAUNCH_ARGS

PDF_OPTIONS = {
    "format": "A4",
    "print_background": True,
    "margin": {"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
}


def launch_args() -> list[str]:
    """The shared chromium flags, with the sandbox left on unless this process is root."""
    if os.geteuid() == 0:
        return list(LAUNCH_ARGS)
    return [arg for arg in LAUNCH_ARGS if arg != "--no-sandbox"]


class PdfRenderer:
    """One browser for the whole process; ``render`` is awaited from any event loop."""

    def __init__(self, chromium_path: str, *, concurrency: int = 2) -> None:
        self.chromium_path = chromium_path
        self.concurrency = concurrency
        self.launches = 0  # how many times a browser was started (1 while it stays healthy)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._slots: asyncio.Semaphore | None = None
        self._launching: asyncio.Lock | None = None

    def _renderer_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="pdf-renderer", daemon=True)
                self._thread.start()
            return self._loop

    async def _browser_ready(self) -> Browser:
        """The running browser (runs on the renderer's loop, so the checks below need no thread lock)."""
        if self._launching is None:
            self._launching = asyncio.Lock()
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._launching:
            if self._browser is None or not self._browser.is_connected():
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.chromium_path, headless=True, args=launch_args()
                )
                self.launches += 1
            return self._browser

    async def _render(self, html: str) -> bytes:
        browser = await self._browser_ready()
        assert self._slots is not None
        async with self._slots:
            context = await browser.new_context(offline=True, java_script_enabled=False)
            try:
                page = await context.new_page()
                await page.set_content(html, wait_until="load")
                return await page.pdf(**PDF_OPTIONS)
            finally:
                await context.close()

    async def render(self, html: str, timeout: float) -> bytes:
        """The PDF of ``html``; raises ``TimeoutError`` after ``timeout`` seconds."""
        future = asyncio.run_coroutine_threadsafe(self._render(html), self._renderer_loop())
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            future.cancel()
            raise

    async def _shutdown(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
        self._browser = self._playwright = None

    def close(self, timeout: float = 30.0) -> None:
        """Stop the browser and the renderer thread (app shutdown); safe to call when never started."""
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            loop.close()
