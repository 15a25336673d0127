"""Screenshots for people to look at: saved when YIXUN_SHOTS names a folder, else nothing."""

import os
from pathlib import Path

from playwright.sync_api import Page


def shot(page: Page, name: str) -> None:
    """The whole page as `<name>-<width>.png` in the YIXUN_SHOTS folder."""
    if folder := os.environ.get("YIXUN_SHOTS", ""):
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
