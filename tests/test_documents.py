"""Questions about whole documents: summaries, comparisons, "which files", "list every", through
the real CLI on the sample documents and the answer set's folder (real models, real index)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from localrag.answering.kinds import COMPARE, FACT, LIST, SUMMARY, WHICH_FILES, classify
from localrag.answering.resolve import resolve
from localrag.evaluation.answerset import load_answer_set
from localrag.evaluation.summaries import covered, opening

from .conftest import ROOT, SAMPLES, cli_json, run_cli

ANSWER_SET = ROOT / "tests" / "answerset"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> tuple[Path, Path]:
    """(home, folder): the sample documents and the answer set's documents, indexed by `add`."""
    root = tmp_path_factory.mktemp("library")
    home = root / "home"
    home.mkdir()
    (home / "models").symlink_to(models_dir, target_is_directory=True)
    folder = root / "files"
    shutil.copytree(SAMPLES, folder / "samples")
    shutil.copytree(ANSWER_SET / "docs", folder / "work")
    run_cli("add", str(folder), home=home)
    return home, folder


def ask(library: tuple[Path, Path], question: str, *extra: str) -> dict:
    return cli_json("ask", question, *extra, home=library[0])


def words_of(js: dict) -> int:
    return sum(len(e["quote"].split()) for e in js["evidence"])


# ---- what is asked (pure) ------------------------------------------------------------------------
@pytest.mark.parametrize("question, kind, target, other, topic", [
    ("Summarize the espresso machine manual", SUMMARY, "the espresso machine manual", "", ""),
    ("What are the main points of the localrag FAQ?", SUMMARY, "the localrag FAQ", "", ""),
    ("Give me an overview of Normans.md", SUMMARY, "Normans.md", "", ""),
    ("summarise what my notes say about the budget", SUMMARY, "", "", "the budget"),
    ("How do the travel policy and the meeting notes differ?", COMPARE, "the travel policy", "the meeting notes", ""),
    ("What is the difference between a list and a tuple?", COMPARE, "a list", "a tuple", ""),
    ("Which of my files talk about refunds?", WHICH_FILES, "", "", "refunds"),
    ("In which documents is the warranty mentioned?", WHICH_FILES, "", "", "the warranty"),
    ("List every deadline in the meeting notes", LIST, "the meeting notes", "", "deadline"),
    ("How long does the descaling program run?", FACT, "", "", ""),
    ("Who discovered penicillin?", FACT, "", "", ""),
])
def test_the_kind_of_a_question_and_what_it_names(question: str, kind: str, target: str, other: str,
                                                  topic: str) -> None:
    a = classify(question)
    assert (a.kind, a.target, a.other, a.topic) == (kind, target, other, topic)


def test_fact_questions_stay_fact_questions() -> None:
    """The answer set's questions are all about one fact: none is read as a document question."""
    for q in load_answer_set(ANSWER_SET).questions:
        assert classify(q.question).kind == FACT, q.question


DOCS = [("/d/espresso-machine-manual.pdf", ""), ("/d/localrag-faq.md", "localrag FAQ"),
        ("/w/dishwasher-manual.pdf", "AquaLine 600"), ("/w/meeting-notes-2025.md", "Product team meeting notes"),
        ("/s/Beyonc_.md", "Beyoncé"), ("/s/2008_Sichuan_earthquake.md", "2008 Sichuan earthquake")]


@pytest.mark.parametrize("target, paths, choices", [
    ("the espresso machine manual", ["/d/espresso-machine-manual.pdf"], []),
    ("localrag-faq.md", ["/d/localrag-faq.md"], []),
    ("the Beyonce article", ["/s/Beyonc_.md"], []),  # by its title, accents aside
    ("the Sichuan earthquake", ["/s/2008_Sichuan_earthquake.md"], []),
    ("the manual", [], ["/d/espresso-machine-manual.pdf", "/w/dishwasher-manual.pdf"]),  # two fit: ask
    ("this document", [], []),  # names nothing: the scope is meant
    ("the coffee grinder", [], []),
])
def test_which_documents_a_name_means(target: str, paths: list[str], choices: list[str]) -> None:
    r = resolve(target, DOCS)
    assert (r.paths, r.choices) == (paths, choices)


def test_coverage_counts_whole_words_of_gold_answers() -> None:
    probes = [["1810"], ["Warsaw", "Warszawa"], ["piano"]]
    assert covered("Born in 1810 near Warsaw.", probes) == pytest.approx(2 / 3)
    assert covered("pianos", probes) == 0.0  # a word inside another is not the answer
    assert opening(["one two three", "four five"], 4) == "one two three four"


def _sentence(text: str, passage: str | None = None):
    from localrag.answering.sentences import Sentence
    from localrag.search.retrieve import Result

    body = passage if passage is not None else text
    start = body.index(text)
    return Sentence(text, start, start + len(text), Result(1, "/d/x.md", 0.0, body, "", None, 1, 5), 0)


def test_quotes_start_where_their_words_do_and_only_prose_is_quoted() -> None:
    from localrag.answering.summary import _quotable, tidy

    s = tidy(_sentence("Descaling\nDescale the machine every two months, or when the light turns orange."))
    assert s.text.startswith("Descale the machine") and s.start == len("Descaling\n")
    wrapped = "Mix 500 millilitres of water\nwith one sachet of citric acid descaler and pour it in."
    assert tidy(_sentence(wrapped)).text == wrapped  # a wrapped line is not a heading
    assert tidy(_sentence("- The beta feedback survey closes on 20 October.")).text.startswith("The beta")
    assert _quotable(_sentence("Frédéric Chopin was a Polish composer; he wrote mostly for the piano [n 1]."))
    for not_prose in ("ostream &operator<<(ostream &out, Person const &person) { return out << name; }",
                      "Intensive 70 C 165 min Eco 50 C 220 min Quick 40 C 30 min Glass 45 C 95 min",
                      "CLASSES AND MEMORY ALLOCATION Overloaded operators may themselves be overloaded.",
                      "Chapter 5: The string data type and its many uses.",
                      "Too short."):
        assert not _quotable(_sentence(not_prose)), not_prose
    assert not _quotable(_sentence("have a namespace containing arbitrary Python objects.",
                                   "  have a namespace containing arbitrary Python objects. More."))


def test_a_word_in_another_form_is_the_same_word_not_any_word_of_its_stem() -> None:
    from localrag.answering.gather import _same_word, mentions

    def porter(w: str) -> list[str]:  # a stand-in: these words' Porter stems are their first six letters
        return [w.lower()[:6]]

    assert _same_word("Descaling", "descale", porter) and _same_word("invoices", "Invoice", porter)
    assert _same_word("Müller", "muller", porter)
    assert not _same_word("executive", "executed", porter) and not _same_word("expense", "expensive", porter)
    assert mentions("The refund policies changed.", "refund policy", porter)
    assert not mentions("A refund, then a policy.", "refund policy", porter)


def test_a_written_summary_keeps_only_sentences_its_quotes_back() -> None:
    from localrag.answering.verify import backed_by, copies

    quotes = ["The hotel limit is 180 pounds a night in London.", "Trips above 2,000 euros need the director's approval.",
              "The daily meal allowance is 45 euros."]
    assert backed_by("The hotel limit in London is 180 pounds a night.", quotes) == [0]
    assert backed_by("The hotel limit in London is 180 pounds a night, and the daily meal allowance is 45 euros.",
                     quotes) == [0, 2]  # two quotes together
    assert backed_by("London hotels cost at most 180 pounds, and meals 45 euros a day.", quotes) == []  # words of its own
    assert backed_by("The hotel limit is 250 pounds a night in London.", quotes) == []  # a number they do not say
    assert backed_by("Trains must be booked through the travel desk.", quotes) == []
    assert copies("The daily meal allowance is 45 euros.", quotes[2])


def test_only_a_fact_question_loads_the_base_model_and_while_its_passages_are_found(
        make_app, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled GGUF has no chat template: it cannot write a summary, so neither a summary nor
    another question about whole documents loads it. A fact question starts its load before its
    passages are found (a first answer waits for the two models at once), and a question it then
    declines has loaded it all the same."""
    import threading

    from .waiting import wait_for

    app = make_app()
    app.index.add([str(docs)])
    app.index.update()
    ans = app.library.summarize([str(docs / "coffee.md")], words=40)
    assert ans.evidence and ans.kind == "summary" and not ans.unsupported
    assert app.models.loaded()[1] is None
    assert [Path(f["path"]).name for f in app.library.ask("Which files mention tea?").files] == ["tea.txt"]
    assert app.models.loaded()[1] is None
    loading_while_searched: list[bool] = []
    search = app.library.search

    def searched(*a: object, **k: object) -> object:
        loading_while_searched.append(app.models.loaded()[1] is not None or any(
            t.name == "localrag-load-llm" for t in threading.enumerate()))
        return search(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(app.library, "search", searched)
    assert not app.library.ask("Who designed the greenhouse roof?").found
    assert loading_while_searched and all(loading_while_searched)
    wait_for(lambda: app.models.loaded()[1] is not None, 60, "the language model loaded")


def test_stretches_cover_the_whole_document_and_end_at_sections() -> None:
    from localrag.answering.summary import stretches

    chunks = [(i, "A" if i < 5 else "B", None, 100) for i in range(10)]
    runs = stretches(chunks, 2)
    assert runs == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert [i for r in stretches(chunks, 4) for i in r] == list(range(10))
    assert len(stretches(chunks, 50)) == 10


# ---- summaries --------------------------------------------------------------------------------------
def test_a_summary_by_name_is_the_documents_own_sentences_across_it(library: tuple[Path, Path]) -> None:
    js = ask(library, "Summarize the espresso machine manual")
    assert js["question_kind"] == "summary" and js["answer_kind"] == "summary" and js["supported"]
    pdf = library[1] / "samples" / "espresso-machine-manual.pdf"
    assert js["documents"] == [str(pdf)]
    assert len(js["evidence"]) >= 3 and all(e["path"] == str(pdf) for e in js["evidence"])
    assert len({e["page"] for e in js["evidence"]}) >= 3  # all its pages, not only its opening
    assert words_of(js) <= 150
    pages = [(e["page"], e["start_line"]) for e in js["evidence"]]
    assert pages == sorted(pages)  # in the document's order
    for e in js["evidence"]:  # each quote verbatim, at its lines, and in the outline
        assert f"\u201c{' '.join(e['quote'].split())}\u201d [{e['n']}]" in js["answer"]
        passage = run_cli("search", e["quote"], "--mode", "keyword", "-k", "1", home=library[0]).stdout
        assert f"page {e['page']}" in passage


def test_a_summary_of_a_markdown_file_quotes_its_lines_verbatim_under_its_headings(library: tuple[Path, Path]) -> None:
    js = ask(library, "What are the main points of the localrag FAQ?", "--words", "60")
    faq = library[1] / "samples" / "localrag-faq.md"
    lines = faq.read_text(encoding="utf-8").splitlines()
    assert js["documents"] == [str(faq)] and 0 < words_of(js) <= 60
    for e in js["evidence"]:
        at = "\n".join(lines[e["start_line"] - 1: e["end_line"]])
        assert e["quote"] in at, (e, at)
    assert "?:" in js["answer"]  # its section headings (the FAQ's questions) head the quotes


def test_summary_by_scope_and_an_ambiguous_name(library: tuple[Path, Path]) -> None:
    notes = library[1] / "work" / "meeting-notes-2025.md"
    js = ask(library, "Summarize this", "--in", str(notes))
    assert js["documents"] == [str(notes)] and js["evidence"]
    js = ask(library, "Summarize the manual")
    assert js["answer_kind"] == "choose" and not js["evidence"]
    assert sorted(Path(p).name for p in js["choices"]) == ["dishwasher-manual.pdf", "espresso-machine-manual.pdf"]
    out = run_cli("ask", "Summarize the manual", home=library[0]).stdout
    assert "Several files fit" in out and "dishwasher-manual.pdf" in out
    js = ask(library, "Summarize travel-polcy.md")  # a misspelt file name: the close ones, not a guess
    assert js["answer_kind"] == "choose" and [Path(p).name for p in js["choices"]] == ["travel-policy.md"]
    js = ask(library, "Summarize Normans.md")
    assert js["answer_kind"] == "not_found" and "No indexed file is named Normans.md" in js["answer"]


def test_the_summarize_command_and_its_word_budget(library: tuple[Path, Path]) -> None:
    glossary = library[1] / "samples" / "python-glossary.rst"
    js = cli_json("summarize", str(glossary), "--words", "80", home=library[0])
    assert js["documents"] == [str(glossary)] and 40 <= words_of(js) <= 80
    text = glossary.read_text(encoding="utf-8")
    assert all(e["quote"] in text for e in js["evidence"])
    out = run_cli("summarize", str(glossary), "--words", "10", home=library[0], check=False)
    assert out.returncode == 1 and "words must be a whole number from 30 to 2000" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_summary_of_a_topic_draws_on_the_files_about_it(library: tuple[Path, Path]) -> None:
    js = ask(library, "Summarize what my files say about descaling")
    assert js["answer_kind"] == "summary" and js["evidence"]
    assert {Path(e["path"]).name for e in js["evidence"]} <= {"espresso-machine-manual.pdf", "dishwasher-manual.pdf"}
    quotes = [e["quote"] for e in js["evidence"]]
    assert sum("descal" in q.lower() for q in quotes) >= len(quotes) - 1, quotes
    assert any(q.startswith("Mix 500 millilitres of water") for q in quotes), quotes  # a wrapped line is no heading


# ---- which files, every mention, comparisons ------------------------------------------------------------
def test_which_files_mention_a_word_lists_every_file_that_does(library: tuple[Path, Path]) -> None:
    js = ask(library, "Which files mention descaling?")
    assert js["question_kind"] == "which_files"
    by_words = [f for f in js["files"] if f["found_by"] == "words"]
    assert sorted(Path(f["path"]).name for f in by_words) == ["dishwasher-manual.pdf", "espresso-machine-manual.pdf"]
    quotes = {e["n"]: e["quote"] for e in js["evidence"]}
    assert all("descal" in quotes[f["quote"]].lower() for f in by_words)
    js = ask(library, "Which of my files talk about Priya?")  # a name, in one file only
    assert [Path(f["path"]).name for f in js["files"] if f["found_by"] == "words"] == ["meeting-notes-2025.md"]
    js = ask(library, "Which files mention expenses?")  # a word whose stem stems again ("expens", "expen")
    by_words = sorted(Path(f["path"]).name for f in js["files"] if f["found_by"] == "words")
    assert by_words == ["python-glossary.rst", "travel-policy.md"], js  # "at the expense of", in the glossary
    assert "expensive" not in js["answer"]
    js = ask(library, "Which files mention xylophones?")
    assert not [f for f in js["files"] if f["found_by"] == "words"]


def test_list_every_deadline_collects_the_dated_sentences(library: tuple[Path, Path]) -> None:
    js = ask(library, "List every deadline in the meeting notes")
    assert js["question_kind"] == "list"
    quotes = " ".join(e["quote"] for e in js["evidence"])
    for date in ("3 November 2025", "24 October", "20 October"):
        assert date in quotes
    assert all(Path(e["path"]).name == "meeting-notes-2025.md" for e in js["evidence"])
    assert "Tom will write the upgrade guide" not in quotes  # no date: not a deadline


def test_compare_two_documents_side_by_side(library: tuple[Path, Path]) -> None:
    js = ask(library, "How do the espresso manual and the dishwasher manual differ?")
    assert js["question_kind"] == "compare" and len(js["documents"]) == 2
    names = {Path(p).name for p in js["documents"]}
    assert names == {"espresso-machine-manual.pdf", "dishwasher-manual.pdf"}
    by_n = {e["n"]: Path(e["path"]).name for e in js["evidence"]}
    for left, right in js["pairs"]:
        if left is not None and right is not None:
            assert by_n[left] != by_n[right]
    assert {by_n[n] for p in js["pairs"] for n in p if n is not None} == names


def test_a_fact_question_after_them_is_answered_as_before(library: tuple[Path, Path]) -> None:
    js = ask(library, "How long does the descaling program run?")
    assert js["question_kind"] == "fact" and js["answer_kind"] in ("generated", "quote")
    assert any("twenty minutes" in e["quote"] for e in js["evidence"])
