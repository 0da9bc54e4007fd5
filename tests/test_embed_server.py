"""`embed_url`: indexing embeds on an OpenAI-compatible /v1/embeddings server (a real loopback
HTTP server here, backed by the real model), questions stay local, and a server that serves
another model or goes away part-way loses nothing."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from localrag.indexing import indexer as ingest
from localrag.models.embed import Embedder


class Server:
    """/v1/embeddings on loopback. ``mode``: "same" (the real model), "other" (another model's
    vectors: the real ones through a fixed rotation), or "dies" (the first ``budget`` requests
    are answered, then the server is gone)."""

    def __init__(self, embedder: Embedder, mode: str = "same", budget: int = 10**6):
        self.mode, self.budget, self.texts = mode, budget, 0
        self.requests: list[dict] = []
        rot = np.linalg.qr(np.random.default_rng(0).standard_normal((384, 384)))[0].astype(np.float32)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if self.path != "/v1/embeddings":
                    self.send_error(404)
                    return
                if len(outer.requests) > outer.budget:  # gone: the connection just closes
                    self.close_connection = True
                    self.connection.close()
                    return
                vecs = embedder.embed(body["input"])
                if outer.mode == "other":
                    vecs = vecs @ rot
                outer.texts += len(body["input"])
                data = json.dumps({"object": "list", "model": body.get("model", ""), "data": [
                    {"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vecs)]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server_of(embedder: Embedder) -> Iterator:
    made: list[Server] = []

    def make(mode: str = "same", budget: int = 10**6) -> Server:
        made.append(Server(embedder, mode, budget))
        return made[-1]

    yield make
    for s in made:
        s.close()


def corpus(docs: Path, n: int = 12) -> None:
    for i in range(n):
        (docs / f"heron{i:02}.md").write_text(f"# Heron {i}\n\nA grey heron stood in pond number {i} at dawn.\n")


def test_indexing_embeds_on_the_server_and_questions_stay_local(make_app, docs: Path, server_of, embedder) -> None:
    srv = server_of()
    corpus(docs)
    app = make_app(embed_url=srv.url, embed_url_model="all-MiniLM-L6-v2")
    app.index.add([str(docs)])
    s = app.index.update()
    assert s.stopped is None and s.chunks_embedded == app.health.status().chunks == srv.texts - 1  # all but the probe
    assert all(r.get("model") == "all-MiniLM-L6-v2" for r in srv.requests)
    asked = len(srv.requests)
    hit = app.library.search("grey heron in pond number 7", k=1, mode="vector")[0]
    assert hit.path.endswith("heron07.md") and len(srv.requests) == asked  # the question was embedded here
    # the stored vectors are the local model's own (up to the runtimes' rounding)
    cid = hit.chunk_id
    stored = app.store.vectors.chunk_vectors([cid])[cid]
    text = app.store.db.execute("SELECT text, heading FROM chunks WHERE id=?", (cid,)).fetchone()
    assert float(stored @ embedder.embed([ingest.embed_text(text[0], text[1])])[0]) > 0.999


def test_a_server_with_another_model_is_refused_and_nothing_mixes(make_app, docs: Path, server_of, home: Path) -> None:
    from .conftest import run_cli

    srv = server_of("other")
    corpus(docs)
    app = make_app(embed_url=srv.url)
    app.index.add([str(docs)])
    s = app.index.update()
    assert s.stopped and "different model" in s.stopped and s.chunks_embedded == 0
    assert app.health.status().vectors == 0 and app.health.status().coverage["meaning"] == 0.0
    assert len(app.library.search("grey heron", k=20, mode="keyword")) == 12  # every heron by its words meanwhile
    app.settings.save(app.paths)
    p = run_cli("index", home=home, check=False)
    assert p.returncode == 1 and "different model" in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_a_server_gone_part_way_loses_nothing(make_app, docs: Path, server_of, monkeypatch) -> None:
    monkeypatch.setattr(ingest, "WINDOW_TEXTS", 4)
    srv = server_of("dies", budget=3)  # the probe and two windows, then gone
    corpus(docs)
    app = make_app(embed_url=srv.url)
    app.index.add([str(docs)])
    s = app.index.update()
    assert s.stopped and "cannot reach the embedding server" in s.stopped and "8 texts embedded and kept" in s.stopped
    assert s.chunks_embedded == 8 and app.health.status().vectors == 8 and s.added == 15
    srv.close()
    back = server_of()  # the server is back (or the user unsets embed_url): only the rest is embedded
    app2 = make_app(embed_url=back.url)
    rest = app2.index.update()
    assert rest.stopped is None and rest.updated == 0 and rest.chunks_embedded == app2.health.status().chunks - 8
    assert back.texts == rest.chunks_embedded + 1
    assert app2.health.status().coverage["meaning"] == 1.0
