"""Regenerates assets/screenshot.svg: the TUI answering a question about the sample documents.

    LOCALRAG_HOME=$(mktemp -d) .venv/bin/python assets/make_screenshot.py
"""

import asyncio
from pathlib import Path

from localrag.tui.app import build_app
from localrag.tui.widgets import Exchange

HERE = Path(__file__).parent


async def main() -> None:
    app = build_app(watch=False, blink=False, preload=False)
    if not app.core.folders():
        app.core.add([str(HERE / "sample-docs")])
        app.core.index()
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.click("#ask-input")
        await pilot.press(*"How long does the descaling program run?", "enter")
        for _ in range(600):
            await pilot.pause(0.1)
            if app.query(Exchange) and app.query_one(Exchange).results:
                break
        await pilot.pause(0.5)
        app.save_screenshot("screenshot.svg", str(HERE))


if __name__ == "__main__":
    asyncio.run(main())
