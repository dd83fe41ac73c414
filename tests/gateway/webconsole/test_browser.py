"""The console in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Skipped, with one line saying why, on a machine without /usr/bin/chromium; CI installs it.
With SAGEGATE_DOCS_SCREENSHOT=PATH the screenshot is also written there (the README's
docs/console.png is made this way, never edited by hand).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "no /usr/bin/chromium (apt-get install chromium): console browser tests skipped",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.servers import free_port  # noqa: E402

pytestmark = pytest.mark.slow

# The flags that keep Chromium quiet on a machine without a network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """`sagegate serve` (the default API) as a user runs it; its URL and banner lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEGATE_CONFIG"))}
    env["SAGEGATE_CONFIG_DIR"] = str(tmp_path / "config")
    env["HOME"] = str(tmp_path)
    port = free_port()
    argv = [sys.executable, "-m", "sagegate", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*argv, "--access-log", str(tmp_path / "access.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    banner: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            banner.append(line.rstrip("\n"))
            if line.startswith("sagegate: ready at "):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not ready.wait(0.2):
        assert process.poll() is None and time.monotonic() < deadline, banner
    try:
        yield f"http://127.0.0.1:{port}", banner
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
        assert code == 0


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh profile directory of its own.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 1400})
        finally:
            browser.close()


def test_the_console_tests_lists_and_charts(
    server: tuple[str, list[str]], page: Page, tmp_path: Path
) -> None:
    base, banner = server
    console_line = next(line for line in banner if line.startswith("console: "))
    console_url = console_line.split()[1]
    assert console_url == f"{base}/_sagegate/"
    page.goto(console_url)
    expect(page.locator("#routes-body tr")).to_have_count(1)
    expect(page.locator("#live")).to_have_text("live")

    # Test: the blog's request through the form; the page shows the ratings and every stage.
    page.fill("input[name=param-user_id]", "321")
    page.fill("#test-query", "items=101,131,162")
    page.click("#test-send")
    expect(page.locator("#test-response")).to_contain_text('"ratings"')
    ratings = json.loads(page.locator("#test-response").inner_text())["ratings"]
    assert len(ratings) == 3 and all(1 <= r <= 5 for r in ratings)
    expect(page.locator("#test-stages h4")).to_contain_text(["Method request", "Endpoint request"])
    expect(page.locator("#test-note")).to_contain_text("skip authorization")

    # A request made by curl (the banner's signed command) appears in the live list.
    try_line = next(line for line in banner if line.strip().startswith("try:"))
    command = shlex.split(try_line.split("try:", 1)[1])
    made = subprocess.run(
        [command[0], "-sS", "-D", "-", "--max-time", "30", *command[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    request_id = next(
        line.split(":", 1)[1].strip()
        for line in made.stdout.splitlines()
        if line.lower().startswith("x-amzn-requestid:")
    )
    row = page.locator(f"#requests-body tr[data-id='{request_id}']")
    expect(row).to_be_visible(timeout=10_000)
    expect(row).to_contain_text("200")
    row.click()
    expect(page.locator("#request-detail .waterfall .row")).to_have_count(2)

    # The metrics chart draws the requests once two samples (2 s apart) have come.
    expect(page.locator("#chart-requests svg polyline.s0")).to_have_count(1, timeout=15_000)
    shot = tmp_path / "console.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    docs = os.environ.get("SAGEGATE_DOCS_SCREENSHOT")
    if docs:
        shutil.copyfile(shot, docs)
