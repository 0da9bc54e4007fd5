"""Answers from a real OpenAI-compatible server on loopback: llama-cpp-python's own server
with the bundled GGUF. Retrieval stays local; the server going away is a clear error."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from localrag.config import Paths, Settings
from localrag.core import Localrag
from localrag.errors import LocalragError
from localrag.models.bundled import ensure_default_llm
from localrag.models.remote import RemoteGenerator

from .conftest import cli_json, run_cli
from .waiting import wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(models_dir: Path):
    gguf = ensure_default_llm(models_dir)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"

    def answering() -> bool:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=1).read()
            return True
        except OSError:
            return False

    wait_for(answering, 120, "the llama.cpp server answering", every=0.2, alive=lambda: proc.poll() is None)
    yield url, proc
    proc.kill()
    proc.wait()


@pytest.mark.slow
def test_ask_through_a_real_server(samples_home: Path, server) -> None:
    url, _ = server
    home = samples_home
    # the bundled model is a base model: the raw prompt, as the local path sends it
    js = cli_json("ask", "How long does the descaling program run?", "--llm-url", url, "--llm-api", "completions",
                  home=home)
    assert js["answer"] and js["error"] is None
    assert "20" in js["answer"] or "twenty" in js["answer"].lower()
    ev = js["evidence"][0]
    assert ev["path"].endswith("espresso-machine-manual.pdf") and ev["page"] == 2 and "twenty minutes" in ev["quote"]
    import re

    for n in re.findall(r"\[(\d+)\]", js["answer"]):
        assert 1 <= int(n) <= len(js["evidence"])
    # chat-completions (the default, for instruction-tuned models) goes through the same checks; a
    # base model there talks until the token limit, so a small one keeps the test to its point
    run_cli("config", "set", "max_answer_tokens", "48", home=home)
    js = cli_json("ask", "How long does the descaling program run?", "--llm-url", url, home=home)
    assert js["error"] is None and js["evidence"] and js["answer"]
    assert js["answer_kind"] in ("generated", "quote") and js["supported"] == (js["answer_kind"] == "generated")


class ScriptedServer:
    """A loopback OpenAI-compatible endpoint that streams the given pieces, then either finishes
    or drops the connection: the server behaviours a real one shows only by accident."""

    def __init__(self, pieces: list[str], finish: bool = True):
        import http.server
        import json
        import threading

        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                chat = self.path.endswith("chat/completions")
                for p in pieces:
                    choice = {"delta": {"content": p}} if chat else {"text": p}
                    self.wfile.write(f"data: {json.dumps({'choices': [choice]})}\n\n".encode())
                    self.wfile.flush()
                if finish:
                    self.wfile.write(b"data: [DONE]\n\n")
                # else: the connection just closes, as when a server process dies

            def log_message(self, *a: object) -> None:
                pass

        self.paths: list[str] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_server_going_away_mid_answer_shows_no_unchecked_text(samples_home: Path, embedder) -> None:
    home = samples_home
    srv = ScriptedServer(["The descaling program runs for ", "twenty"], finish=False)
    app = Localrag(Paths(home, home), Settings(llm="openai", llm_url=srv.url), embedder=embedder)
    ans = app.library.ask("How long does the descaling program run?")
    assert ans.error and "went away mid-answer" in ans.error
    assert ans.kind == "quote" and "twenty minutes" in ans.text and not ans.supported  # the files' words
    assert srv.paths == ["/v1/chat/completions"]
    app.close()
    srv.close()


def test_empty_chat_reply_is_said_and_falls_back_to_the_quote(samples_home: Path) -> None:
    home = samples_home
    srv = ScriptedServer([])  # what a base model behind a chat API often returns
    p = run_cli("ask", "How long does the descaling program run?", "--llm-url", srv.url, home=home)
    assert "the model returned no text" in p.stderr and "llm_api = completions" in p.stderr
    assert p.stdout.startswith("Your files say: ") and "twenty minutes" in p.stdout and "Traceback" not in p.stderr
    js = cli_json("ask", "How long does the descaling program run?", "--llm-url", srv.url, home=home)
    assert js["answer_kind"] == "quote" and js["answer"] and js["warning"] and not js["supported"]
    srv.close()


def test_unreachable_server_is_a_clear_message(home: Path, docs: Path) -> None:
    run_cli("add", str(docs), home=home)
    port = free_port()
    p = run_cli("ask", "tea?", "--llm-url", f"http://127.0.0.1:{port}/v1", home=home, check=False)
    assert p.returncode == 1 and f"cannot reach the LLM server at http://127.0.0.1:{port}/v1" in p.stderr
    assert "Traceback" not in p.stderr
    with pytest.raises(LocalragError, match="must start with http"):
        RemoteGenerator("ftp://x")
    with pytest.raises(LocalragError, match="LOCALRAG_TEST_NO_SUCH_KEY"):
        RemoteGenerator("http://127.0.0.1:1/v1", api_key_env="LOCALRAG_TEST_NO_SUCH_KEY")


def test_gpu_requested_but_absent_is_said(home: Path, embedder, docs: Path) -> None:
    app = Localrag(Paths(home, home), Settings(n_gpu_layers=20, embed_gpu=True), embedder=embedder)
    gen = app.models.generator
    import llama_cpp

    if llama_cpp.llama_supports_gpu_offload():
        pytest.skip("this llama-cpp-python build has GPU offload")
    assert not gen.gpu and any("no GPU support" in n for n in app.notes)
    assert app.models.load_embedder("default", 1) and any("fastembed-gpu" in n for n in app.notes)
    st = app.health.status().gpu
    assert st["llm_gpu_build"] is False and "CPUExecutionProvider" in st["embed_providers"]
    app.close()


def test_a_server_that_streams_no_events_is_said_in_one_line() -> None:
    """A wrong llm_url (a web page, a JSON API) answers 200 with no event stream."""
    import http.server
    import threading

    from localrag.models.remote import RemoteGenerator

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        gen = RemoteGenerator(f"http://127.0.0.1:{httpd.server_address[1]}/v1")
        with pytest.raises(LocalragError, match="did not answer with a stream of events"):
            list(gen.stream("Say hi.", 8, 0.0, []))
    finally:
        httpd.shutdown()
        httpd.server_close()
