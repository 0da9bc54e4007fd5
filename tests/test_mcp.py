"""`localrag mcp` as a real subprocess, driven by the MCP SDK's own stdio client."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from .conftest import run_cli


def serve(home: Path, body: Callable[[Client], Awaitable[None]]) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "localrag", "mcp"],
                                   env={"LOCALRAG_HOME": str(home), "PATH": os.environ.get("PATH", "")})

    async def run() -> None:
        async with Client(params) as client:
            await asyncio.wait_for(body(client), 240)

    asyncio.run(run())


def test_tools_search_passages_and_status_are_structured(home: Path, docs: Path) -> None:
    run_cli("add", str(docs), home=home)

    async def body(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"search", "ask", "summarize", "get_passage", "status"}
        assert all(t.annotations and t.annotations.read_only_hint for t in tools.values())

        res = await client.call_tool("search", {"query": "water temperature for green tea", "k": 3})
        assert not res.is_error
        hits = res.structured_content["results"]
        assert hits[0]["path"] == str(docs / "tea.txt") and hits[0]["start_line"] == 1
        assert res.structured_content["partial"] is None  # fully embedded: no "rests on part of it" note

        scoped = await client.call_tool("search", {"query": "water temperature", "in_paths": [str(docs / "garden")]})
        assert [h["path"] for h in scoped.structured_content["results"]] == [str(docs / "garden" / "tomatoes.rst")]
        typed = await client.call_tool("search", {"query": "water", "types": ["md"], "mode": "keyword"})
        assert {Path(h["path"]).name for h in typed.structured_content["results"]} == {"coffee.md"}

        coffee = next(h for h in (await client.call_tool("search", {"query": "93 degrees Celsius"})).structured_content[
            "results"] if h["path"].endswith("coffee.md"))
        p = await client.call_tool("get_passage", {"chunk_id": coffee["chunk_id"], "start_line": 9, "end_line": 9,
                                                   "around": 2})
        ps = p.structured_content
        assert (ps["start_line"], ps["end_line"]) == (9, 9)
        assert [line["n"] for line in ps["lines"]] == [7, 8, 9, 10, 11]
        assert ps["lines"][2]["text"] == "The water should be at 93 degrees Celsius."

        st = (await client.call_tool("status", {})).structured_content
        assert st["files"] == 3 and st["folders"][0]["path"] == str(docs)
        assert st["coverage"]["meaning"] == 1.0 and st["coverage"]["chunks_without_vectors"] == 0

        # what a client can get wrong is one line with is_error, and the server lives on
        for name, args, msg in (("search", {"query": "x", "in_paths": ["/elsewhere"]}, "not in a registered folder"),
                                ("get_passage", {"chunk_id": 999999}, "no passage 999999"),
                                ("search", {"query": "x", "mode": "fuzzy"}, "unknown search mode")):
            bad = await client.call_tool(name, args)
            assert bad.is_error and msg in bad.content[0].text and "Traceback" not in bad.content[0].text
        assert not (await client.call_tool("status", {})).is_error

    serve(home, body)


def test_it_never_blocks_writers_and_sees_their_changes(home: Path, docs: Path) -> None:
    """The server is one more reader: an indexer runs while it is connected, and the next search
    finds the new file."""
    run_cli("add", str(docs), home=home)

    async def body(client: Client) -> None:
        before = await client.call_tool("search", {"query": "quokka habitat", "mode": "keyword"})
        assert before.structured_content["results"] == []
        (docs / "quokka.md").write_text("Quokkas live on Rottnest Island, their habitat of scrub and swamp.\n")
        done = await asyncio.to_thread(run_cli, "index", home=home, timeout=120)
        assert "+ " in done.stdout
        after = await client.call_tool("search", {"query": "quokka habitat"})
        assert after.structured_content["results"][0]["path"] == str(docs / "quokka.md")

    serve(home, body)


@pytest.mark.slow
def test_ask_gives_the_checked_answer_with_its_quotes(samples_home: Path) -> None:
    home = samples_home

    async def body(client: Client) -> None:
        res = await client.call_tool("ask", {"question": "How long does the descaling program run?"})
        assert not res.is_error
        ans = res.structured_content
        assert "twenty minutes" in ans["answer"].lower() or "20" in ans["answer"]
        assert ans["answer_kind"] in ("generated", "quote") and ans["found"]
        q = ans["evidence"][0]
        assert q["path"].endswith("espresso-machine-manual.pdf") and q["page"] == 2
        assert "runs for twenty minutes" in q["quote"] and q["start_line"] <= q["end_line"]
        scoped = await client.call_tool("ask", {"question": "How long does the descaling program run?",
                                                "types": ["md"]})
        assert all(e["path"].endswith(".md") for e in scoped.structured_content["evidence"])

    serve(home, body)
