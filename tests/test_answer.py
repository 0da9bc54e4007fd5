"""Answers, evidence first: pure-logic units (the checks, the sentence cutter), the answer
pipeline with a scripted generator, then the real GGUF through llama.cpp on a real index."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest

from localrag.answering import lexical, rank, sentences
from localrag.answering.compose import NOTHING_FOUND, QUOTE_LABEL, Answer
from localrag.answering.gather import Sources
from localrag.answering.generate import fit
from localrag.answering.pipeline import Options, answer_facts
from localrag.answering.verify import check_sentence, check_short, find_span, fits_question
from localrag.indexing.parse.pdf import parse_pdf
from localrag.search.retrieve import Result

from .conftest import SAMPLES


def R(i: int, text: str, page: int | None = None, start_line: int | None = 1, sim: float = 0.6) -> Result:
    end = None if start_line is None else start_line + text.count("\n")
    return Result(i, f"/d/f{i}.md", 1.0, text, "", page, start_line, end, sim)


# ---- the checks (pure logic) ------------------------------------------------------------------------
def test_numbers_must_match_the_evidence() -> None:
    quotes = ["The descaling program runs for 20 minutes and stops on its own."]
    assert check_short("20 minutes", quotes).supported
    assert not check_short("25 minutes", quotes).supported
    assert check_sentence("It runs for 20 minutes.", quotes).supported
    bad = check_sentence("It runs for 25 minutes.", quotes)
    assert not bad.supported and "25" in bad.reason
    assert check_short("twenty minutes", ["It runs for twenty minutes."]).supported


def test_a_short_answer_is_snapped_to_whole_words_of_its_quote() -> None:
    assert find_span("Chopin", "All of Chopin's works include the piano.") == "Chopin's"
    assert find_span("in the late 1990s", "She rose to fame in the late 1990s as a singer.") == "in the late 1990s"
    assert find_span("Geoffrey Monmouth", "as told by Geoffrey of Monmouth, in 1136") == "Geoffrey of Monmouth"
    assert find_span("Napoleon", "as told by Geoffrey of Monmouth") == ""
    assert find_span("1775", "The Army (est. 1775) fought.") == "1775"
    assert find_span("est 1775", "The Army (est. 1775, in Boston) fought.") == "est. 1775"
    assert find_span("Army", "the (Continental Army) fought") == "Army"
    assert find_span("est", "founded (est) then") == "est"


def test_echoes_and_wrong_kinds_of_answer_are_not_answers() -> None:
    quotes = ["Chopin was taught by Józef Elsner from 1826."]
    assert not check_short("Chopin", quotes, "Who taught Chopin?").supported
    assert check_short("Józef Elsner", quotes, "Who taught Chopin?").supported
    assert not fits_question("Józef Elsner", "In what year did the lessons start?")
    assert fits_question("1826", "In what year did the lessons start?")


def test_a_paraphrase_with_an_invented_name_is_not_supported() -> None:
    quotes = ["The warranty lasts two years from the date of purchase."]
    assert check_sentence("The warranty lasts two years from purchase.", quotes).supported
    assert not check_sentence("Napoleon's warranty lasts two years from purchase.", quotes).supported


def test_a_question_names_its_subject_exactly() -> None:
    s = lexical.subject("What does error code E24 mean on the dishwasher?")
    assert s.exact == ("e24",) and "mean" not in s.words and {"error", "dishwasher"} <= s.words
    assert lexical.subject("What is the price of part DW-4471?").exact == ("dw-4471",)
    assert lexical.subject("What is RETRY_LIMIT set to?").exact == ("retry_limit",)
    assert lexical.subject("What does prorate() return?").exact == ("prorate",)
    assert lexical.subject('Which file says "out of paper"?').exact == ("out of paper",)
    assert lexical.subject("Who approves trips over 2,000 euros?").exact == ("2000",)
    assert lexical.subject("What was wrong with the 3rd generation?").exact == ()  # often written "third"
    assert lexical.subject("What did the iPods lack?").exact == ()  # a brand, not an identifier
    assert lexical.subject("Who owns Café Müller?").names == {"cafe", "muller"} == lexical.subject("Who owns Cafe Muller?").names
    assert lexical.missing_terms(lexical.subject("What does E24 mean?"), "E24: the drain is blocked.") == []
    assert lexical.missing_terms(lexical.subject("What does E24 mean?"), "E15: water in the base tray; E240 too.") == ["e24"]
    assert lexical.missing_terms(lexical.subject("Price of DW-4471?"), "DW-4471,coarse filter,12.90") == []


def test_a_sentence_may_restate_the_question_but_not_its_names() -> None:
    e24 = ["E24: the drain is blocked."]
    assert check_sentence("Error code E24 means the drain is blocked.", e24, question="What does error code E24 mean?").supported
    assert not check_sentence("Error code E24 means the drain is blocked.", e24).supported  # without the question: 50%
    hotel = ["The hotel limit is £180 a night in London and £120 a night elsewhere in the United Kingdom."]
    tokyo = check_sentence("The hotel limit in Tokyo is £180 a night.", hotel, question="What is the hotel limit in Tokyo?")
    assert not tokyo.supported and "tokyo" in tokyo.reason
    echo = check_sentence("The hotel limit is what you asked.", hotel, question="What is the hotel limit?")
    assert not echo.supported


def test_a_quote_backs_an_answer_only_if_it_is_about_the_question() -> None:
    def embed(texts):  # pure logic: every text alike, so only the words decide
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    notes = [R(1, "Planning meeting, 14 October 2025."),
             R(2, "Das Café Müller öffnet werktags um 7:30 Uhr.")]
    ranked = rank.rank("When does Café Müller open on weekdays?", notes, embed)
    date = next(s for s in ranked if "October" in s.text)
    assert not date.answers_question and date.about == 0  # the date is not about the café
    assert ranked[0].text.startswith("Das Café Müller")  # and gets no "a time, for when" bonus over it
    from localrag.answering.verify import backed_short as snap

    shown, quote, why = snap("14 October 2025", ranked, "When does Café Müller open on weekdays?")
    assert quote is None and "does not mention cafe" in why
    shown, quote, why = snap("7:30 Uhr", ranked, "When does Café Müller open on weekdays?")
    assert quote is not None and shown == "7:30 Uhr"


def test_the_sentence_naming_the_code_ranks_first() -> None:
    def embed(texts):
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    page = R(1, "Error codes. E15: water in the base tray; switch off and call service. E24: the drain is blocked.")
    ranked = rank.rank("What does error code E24 mean on the dishwasher?", [page], embed)
    assert ranked[0].text == "E24: the drain is blocked."
    assert not rank.answers_question(rank.rank("What does error code E31 mean?", [page], embed))


def test_a_chat_reply_gives_a_short_answer_and_a_sentence() -> None:
    from localrag.answering.generate import parse_reply

    assert parse_reply("Answer: 1,548\nSentence: Victoria had 1,548 public schools [1].") == (
        "1,548", "Victoria had 1,548 public schools.")
    assert parse_reply("**Answer:** Evidence 2: the drain\n**Sentence:** The drain is blocked.") == (
        "the drain", "The drain is blocked.")
    assert parse_reply("Evidence 1: The drain is blocked by food and the pump hums.") == (
        "", "The drain is blocked by food and the pump hums.")
    assert parse_reply("the drain") == ("the drain", "")


# ---- sentences and quotes (pure logic) --------------------------------------------------------------
def test_sentences_keep_their_own_lines_and_are_verbatim() -> None:
    text = ("First line of a paragraph\nthat wraps. A second sentence.\n\nA new paragraph here.\n"
            "- a list item\n- another")
    r = R(1, text, start_line=10)
    sents = sentences.split([r])
    assert [s.text for s in sents] == ["First line of a paragraph\nthat wraps.", "A second sentence.",
                                       "A new paragraph here.", "- a list item", "- another"]
    assert [(s.start_line, s.end_line) for s in sents] == [(10, 11), (11, 11), (13, 13), (14, 14), (15, 15)]
    assert all(text[s.start:s.end] == s.text for s in sents)


def test_a_table_read_as_lines_is_a_row_a_quote_and_wrapped_prose_is_not() -> None:
    table = "Program Temperature Duration\nIntensive 70 C 165 min\nEco 50 C 220 min\nQuick 40 C 30 min"
    rows = [s.text for s in sentences.split([R(1, table, start_line=3)])]
    assert rows == ["Program Temperature Duration", "Intensive 70 C 165 min", "Eco 50 C 220 min", "Quick 40 C 30 min"]
    prose = ("Hold the steam button and the power button\ntogether for five seconds to start the descaling\n"
             "program, which runs for 20 minutes and stops on its own.")
    assert [s.text for s in sentences.split([R(1, prose)])] == [prose]


def test_a_sentence_cut_at_a_chunk_boundary_is_no_quote() -> None:
    r = R(1, "earthquake. The dam held for three days after the quake. The town was evacuated on")
    assert [s.text for s in sentences.split([r])] == ["The dam held for three days after the quake.",
                                                     "The town was evacuated on"]


def test_quotes_stay_short() -> None:
    long = " ".join(["word"] * 70) + "."
    sents = sentences.split([R(1, f"{long} Short one here. {long}")])
    for s in sents:
        s.score = 1.0
    picked = rank.pick(sents)
    assert len(picked) <= 3 and sum(s.words for s in picked) <= sentences.MAX_QUOTE_WORDS
    assert all(s.words <= sentences.LONG_SENTENCE_WORDS for s in sents)


def test_a_sentence_in_two_copies_of_a_file_is_quoted_once() -> None:
    text = "The descaling program runs for twenty minutes. Rinse the tank afterwards."
    def embed(texts):  # pure logic: every text alike, so only the words and ranks decide
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    ranked = rank.rank("How long does the descaling program run?", [R(1, text), R(2, text)], embed)  # two files
    assert len(ranked) == 2 and {s.result.chunk_id for s in ranked} == {1}  # each sentence once, its best copy
    picked = rank.pick(ranked)
    assert [s.text for s in picked] == ["The descaling program runs for twenty minutes.", "Rinse the tank afterwards."]


def test_a_sentence_holding_what_the_question_asks_for_ranks_first() -> None:
    def embed(texts):  # pure logic: every text alike, so only the words and the kind decide
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    text = "The bridge over the river was opened with a parade. The bridge over the river was opened in 1932."
    q = "When was the bridge over the river opened?"
    assert lexical.kind_of_question(q) == "time" and lexical.kind_of_question("Who built it?") == "name"
    assert lexical.kind_of_question("Which river is it?") is None
    ranked = rank.rank(q, [R(1, text)], embed)
    assert ranked[0].text.endswith("in 1932.")  # a time beyond the question's words
    assert ranked[0].score == pytest.approx(ranked[0].relevance + rank.W_KIND)
    # abstention is calibrated on the score without the bonus
    assert rank.strength(ranked) == max(s.relevance for s in ranked)
    untyped = rank.rank("What about the bridge over the river?", [R(1, text)], embed)
    assert all(s.score == s.relevance for s in untyped)


def test_further_quotes_are_shown_while_they_score_close_to_the_best() -> None:
    sents = sentences.split([R(1, "The best sentence is here. A close second one here. A close third one here. A far fourth one here.")])
    for s, score in zip(sents, (1.0, 0.9, 1.0 - rank.CLOSE + 0.01, 1.0 - rank.CLOSE - 0.01)):
        s.score = score
    shown = ["The best sentence is here.", "A close second one here.", "A close third one here."]
    assert [s.text for s in rank.pick(sents)] == shown
    assert [s.text for s in rank.pick(sents, most=4)] == shown  # the far one never


def test_the_prompt_fits_the_window_with_whole_sentences() -> None:
    sents = sentences.split([R(1, "Alpha beta gamma. " * 3 + " ".join(["long"] * 50) + ". Delta epsilon.")])
    kept = fit("q?", sents, lambda s: len(s.split()), budget=200, most=5)
    assert kept and all(s in sents for s in kept)
    assert sum(len(s.text.split()) for s in kept) <= 200


# ---- the pipeline with a scripted generator (the real model is tested below) ------------------------
class ScriptedGen:
    """Pure-logic stand-in: says what it is told. ``chat`` selects the chat form."""

    n_ctx = 2048

    def __init__(self, replies: list[str], chat: bool = False):
        self.replies = list(replies)
        self.chat = chat
        self.prompts: list[str] = []

    def count(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *a: object, **k: object) -> Iterator[str]:
        self.prompts.append(prompt)
        yield from self.replies.pop(0) if self.replies else ""

    def stream_chat(self, messages: list[dict], *a: object, **k: object) -> Iterator[str]:
        self.prompts.append(messages[-1]["content"])
        yield from self.replies.pop(0) if self.replies else ""


def answer(question: str, results: list[Result], load_gen, embed, max_tokens: int, temperature: float,
           min_score: float) -> Answer:
    """A fact question over given passages, as the pipeline answers it after retrieval (no index:
    none of these passages is a table's row)."""
    src = Sources(None, lambda *_: [], embed, load_gen)  # type: ignore[arg-type]
    return answer_facts(src, question, results, Options(max_tokens, temperature, min_score))


MANUAL = [R(1, "Descaling.\nThe descaling program runs for 20 minutes and stops on its own.\nRinse the tank after."),
          R(2, "The warranty lasts two years from the date of purchase.")]


@pytest.fixture(scope="module")
def embed(embedder):
    return embedder.embed


def test_an_invented_second_sentence_is_dropped(embed) -> None:
    gen = ScriptedGen(["It runs for 20 minutes [1]. It was invented by Napoleon in 1802 [1]."], chat=True)
    ans = answer("How long does the descaling program run?", MANUAL, lambda: gen, embed, 100, 0.0, 0.25)
    assert ans.kind == "generated" and ans.supported
    assert ans.text.startswith("It runs for 20 minutes. [1]") and "Napoleon" not in ans.text
    assert ans.unsupported and "Napoleon" in ans.unsupported[0]
    q = ans.evidence[0]
    assert q.text == "The descaling program runs for 20 minutes and stops on its own."
    assert (q.sentence.start_line, q.sentence.end_line) == (2, 2)


def test_a_chat_model_gives_a_short_answer_then_a_sentence_both_checked(embed) -> None:
    q = "How long does the descaling program run?"
    gen = ScriptedGen(["Answer: 20 minutes\nSentence: The descaling program runs for 20 minutes."], chat=True)
    ans = answer(q, MANUAL, lambda: gen, embed, 100, 0.0, 0.25)
    assert ans.supported and ans.short_answer == "20 minutes"
    assert ans.text == "The descaling program runs for 20 minutes. [1]"  # the shown answer follows the model
    assert ans.to_json()["short_answer"] == "20 minutes"
    wrong = ScriptedGen(["Answer: 25 minutes\nSentence: The descaling program runs for 20 minutes."], chat=True)
    ans = answer(q, MANUAL, lambda: wrong, embed, 100, 0.0, 0.25)
    assert ans.short_answer == "" and ans.supported and "20 minutes" in ans.text  # the sentence stands alone
    said = ScriptedGen(["Answer: 20 minutes\nSentence: It was invented by Napoleon in 1802."], chat=True)
    ans = answer(q, MANUAL, lambda: said, embed, 100, 0.0, 0.25)
    assert ans.text == "20 minutes [1]" and "Napoleon" in ans.unsupported[0]


def test_the_right_words_from_a_quote_about_something_else_are_not_supported(embed) -> None:
    notes = [R(1, "Planning meeting, 14 October 2025.\nThe release is planned for November."),
             R(2, "Das Café Müller öffnet werktags um 7:30 Uhr.")]
    q = "When does Café Müller open on weekdays?"
    ans = answer(q, notes, lambda: ScriptedGen(["14 October 2025", "14 October 2025"]), embed, 100, 0.0, 0.25)
    assert not ans.supported and ans.short_answer == "" and "October" not in ans.text
    ans = answer(q, notes, lambda: ScriptedGen(["7:30 Uhr"]), embed, 100, 0.0, 0.25)
    assert ans.supported and ans.short_answer == "7:30 Uhr" and ans.evidence[0].text.startswith("Das Café")
    none = answer("What does error code E31 mean?", [R(1, "E24: the drain is blocked. E15: water in the tray.")],
                  lambda: ScriptedGen(["the drain is blocked"]), embed, 100, 0.0, 0.25)
    assert none.kind == "not_found" and none.nearest  # declined, the nearest passages still shown


def test_a_wrong_number_falls_back_to_the_quote(embed) -> None:
    gen = ScriptedGen(["25 minutes", "25 minutes"])
    ans = answer("How long does the descaling program run?", MANUAL, lambda: gen, embed, 100, 0.0, 0.25)
    assert ans.kind == "quote" and not ans.supported and ans.unsupported == ["25 minutes", "25 minutes"]
    assert ans.text.startswith(QUOTE_LABEL) and "20 minutes" in ans.text and "25" not in ans.text
    assert len(gen.prompts) == 2  # the best sentence, then the next one
    assert "20 minutes" in gen.prompts[0].rsplit("Evidence:", 1)[1]


def test_a_short_answer_is_shown_in_the_files_own_words(embed) -> None:
    gen = ScriptedGen(["20 minutes."])
    ans = answer("How long does the descaling program run?", MANUAL, lambda: gen, embed, 100, 0.0, 0.25)
    assert ans.text == "20 minutes [1]" and ans.supported and ans.evidence[0].n == 1
    assert ans.citations[0].cited  # a passage is cited exactly when a quote comes from it
    assert {c.result.chunk_id for c in ans.citations if c.cited} == {q.sentence.result.chunk_id for q in ans.evidence}


def test_an_empty_reply_is_said_and_the_quote_shown(embed) -> None:
    gen = ScriptedGen([""], chat=True)
    ans = answer("How long does the descaling program run?", MANUAL, lambda: gen, embed, 100, 0.0, 0.25)
    assert ans.kind == "quote" and ans.text.startswith(QUOTE_LABEL)
    assert ans.warning and "no text" in ans.warning and "llm_api = completions" in ans.warning


def test_weak_evidence_is_not_answered(embed) -> None:
    far = [R(1, "Tomatoes want sun.", sim=0.05)]
    ans = answer("What is the capital of Mongolia?", far, lambda: ScriptedGen(["Ulaanbaatar"]), embed, 100, 0.0, 0.25)
    assert ans.kind == "not_found" and not ans.found and ans.text == NOTHING_FOUND and ans.nearest


def test_relevance_uses_meaning_and_shared_words() -> None:
    from localrag.answering.gather import relevant_enough

    page = R(1, "Troubleshooting. If the coffee runs too fast, grind finer. The warranty lasts two years.")
    page.similarity = 0.18
    assert relevant_enough("How long is the warranty?", [page], 0.25)
    assert not relevant_enough("What is the capital of Mongolia?", [page], 0.25)
    page.similarity = 0.05
    assert not relevant_enough("How long is the warranty?", [page], 0.25)
    page.similarity = 0.3
    assert relevant_enough("anything at all", [page], 0.25)


# ---- the real model on a real index ----------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_app(tmp_path_factory, models_dir, embedder):
    from localrag.config import Paths, Settings
    from localrag.core import Localrag

    h = tmp_path_factory.mktemp("answers")
    (h / "models").symlink_to(models_dir, target_is_directory=True)
    app = Localrag(Paths(h, h), Settings(), embedder=embedder)
    app.index.add([str(SAMPLES)])
    app.index.update()
    yield app
    app.close()


@pytest.mark.slow
def test_real_model_quotes_the_exact_line_of_the_pdf_page(sample_app) -> None:
    shown: list[str] = []
    ans = sample_app.library.ask("How long does the descaling program run?", on_text=shown.append)
    assert ans.found and "".join(shown) == ans.text
    assert re.search(r"20|twenty", ans.text, re.I)
    q = ans.evidence[0]
    pdf = SAMPLES / "espresso-machine-manual.pdf"
    assert q.sentence.result.path == str(pdf) and q.sentence.result.page == 2
    page_lines: dict[int, str] = {}
    for b in parse_pdf(pdf):
        if b.page == 2:
            for i, line in enumerate(b.text.split("\n")):
                page_lines[b.start_line + i] = line
    lines = [page_lines[n] for n in range(q.sentence.start_line, q.sentence.end_line + 1)]
    pieces = q.text.split("\n")  # verbatim, and on exactly those lines of that page
    assert len(pieces) == len(lines) and all(p in line for p, line in zip(pieces, lines))
    assert "descaling program runs for twenty minutes" in q.text
    if ans.kind == "generated":
        assert ans.supported and re.sub(r"\s*\[\d+\]", "", ans.text).lower() in q.text.lower()
    for n in re.findall(r"\[(\d+)\]", ans.text):
        assert 1 <= int(n) <= len(ans.evidence)


@pytest.mark.slow
def test_real_model_says_when_nothing_is_relevant(sample_app) -> None:
    ans = sample_app.library.ask("Who won the 1998 football world cup final?")
    assert not ans.found and ans.text == NOTHING_FOUND and ans.kind == "not_found"
    assert ans.nearest and not ans.citations and not ans.evidence


@pytest.mark.slow
def test_real_model_answers_are_backed_or_quoted(sample_app) -> None:
    """Whatever the small model says, what is shown as fact is in the quotes."""
    for question in ("How long is the warranty?", "What is a decorator?", "How hot should the water be?"):
        ans = sample_app.library.ask(question)
        assert ans.found, question  # each is answered in the sample documents
        assert ans.evidence and sum(len(q.text.split()) for q in ans.evidence) <= 80 + 60
        quotes = " ".join(q.text for q in ans.evidence).lower()
        if ans.kind == "generated":
            assert ans.supported
            for part in re.split(r"\s*\[\d+\]\s*", ans.text):
                if part:
                    assert " ".join(part.lower().split()) in " ".join(quotes.split()) or check_sentence(
                        part, [q.text for q in ans.evidence]).supported
        else:
            assert ans.kind == "quote" and ans.text.startswith(QUOTE_LABEL) and not ans.supported
