"""The Dutch catalogue keeps one wording (issue 27, Dutch polish): "ondertekenen" for signing,
"tweestapsverificatie" as one word, "taggen" as the one word for tagging a face, Dutch article
citations ("artikel 15, eerste lid, onder a, AVG"), and no internal codes in the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from likeness.models import Channel, RequestStatus, RequestType, TemplatePolicy

CATALOGUE = (Path(__file__).resolve().parents[2]
             / "likeness/translations/nl/LC_MESSAGES/messages.po")

# "tekenen" and its forms as a word of its own: "ondertekenen", "aantekenen" and
# "handtekening" do not match (a letter before or after).
TEKENEN = re.compile(r"(?<![a-zà-ÿ])(ge)?teken(en|t|d|de|den)?(?![a-zà-ÿ])", re.IGNORECASE)
# Drawing a signature or a face area is "tekenen" in Dutch too.
DRAWING = re.compile(r"\bdraw", re.IGNORECASE)
TWO_STEP = re.compile(r"twee[- ]staps|\btweestaps(?!verificatie)", re.IGNORECASE)
TAGGING = re.compile(r"\b(un)?tag", re.IGNORECASE)
OTHER_TAGGING_WORDS = re.compile(r"koppel|(?<![a-z])(ge)?label(en|d|t|de)?(?![a-z])",
                                 re.IGNORECASE)
# "art. 15", "art. 15(1)(a)", "artikel 15 lid 1": Dutch text writes "artikel 15, eerste lid".
FOREIGN_CITATION = re.compile(r"\bart\.\s*\d|\d\(\d+\)|\blid \d", re.IGNORECASE)
RAW_CODES = sorted(
    {c.value for c in [*RequestStatus, *RequestType, *Channel] if "_" in c.value}
    | {TemplatePolicy.CONSENTED_ONLY.value, "(subject)"})
STAFF_REF = re.compile(r"\b(staff|person|quitclaim|request):\d")
# Filter fields of the audit log, whose input is the code itself.
TAKES_A_CODE = {"Actor (e.g. staff:3, system)"}


def _messages() -> list[tuple[str, str]]:
    """(English, Dutch) for every translation, each plural form on its own."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[min(i, len(ids) - 1)], s) for i, s in enumerate(strings) if s]
    return pairs


def _offending(pattern: re.Pattern[str], *, unless: re.Pattern[str] | None = None,
               only: re.Pattern[str] | None = None) -> list[str]:
    return [dutch for english, dutch in _messages()
            if pattern.search(dutch)
            and not (unless and unless.search(english))
            and (only is None or only.search(english))]


def test_signing_a_quitclaim_is_ondertekenen():
    assert _offending(TEKENEN, unless=DRAWING) == []


def test_two_factor_is_one_word():
    assert _offending(TWO_STEP) == []
    two_factor = dict(_messages())["Two-factor authentication"]
    assert two_factor == "Tweestapsverificatie"


def test_tagging_a_face_is_always_taggen():
    # "Link the person" (to a request) is koppelen; tagging a face is not.
    assert _offending(OTHER_TAGGING_WORDS, only=TAGGING,
                      unless=re.compile(r"\blink", re.IGNORECASE)) == []
    words = dict(_messages())
    assert words["Tag"] == "Taggen" and words["Untag"] == "Tag verwijderen"
    assert words["tagged"] == "getagd"


def test_articles_are_cited_the_dutch_way():
    assert _offending(FOREIGN_CITATION) == []
    words = dict(_messages())
    assert "artikel 9, tweede lid, onder a, AVG" in words[
        "Photos taken in care settings can reveal health: explicit consent in the quitclaim "
        "(Art. 9(2)(a) GDPR)"]


@pytest.mark.parametrize("code", RAW_CODES)
def test_no_internal_code_in_the_dutch_text(code: str):
    assert [dutch for _english, dutch in _messages() if code in dutch] == []


def test_no_reference_in_the_dutch_text_where_a_name_belongs():
    assert [dutch for english, dutch in _messages()
            if STAFF_REF.search(dutch) and english not in TAKES_A_CODE] == []


def test_the_checks_would_catch_the_old_wording():
    """The patterns find what the polish removed, and leave the right words alone."""
    assert TEKENEN.search("Hoe wilt u tekenen?") and TEKENEN.search("Getekend op 1 mei")
    assert TEKENEN.search("Teken dan opnieuw")
    for fine in ("Hoe wilt u ondertekenen?", "Ondertekend door", "aantekenen",
                 "Uw handtekening", "een tekening"):
        assert not TEKENEN.search(fine), fine
    assert TWO_STEP.search("Twee-stapsverificatie") and TWO_STEP.search("Tweestaps")
    assert not TWO_STEP.search("Tweestapsverificatie staat aan")
    assert OTHER_TAGGING_WORDS.search("Gezicht gekoppeld.")
    assert OTHER_TAGGING_WORDS.search("gelabeld") and not OTHER_TAGGING_WORDS.search("getagd")
    for foreign in ("art. 15(1)(a)", "artikel 17 lid 3", "(art. 19)"):
        assert FOREIGN_CITATION.search(foreign), foreign
    assert not FOREIGN_CITATION.search("artikel 15, eerste lid, onder a, AVG")
    assert STAFF_REF.search("door staff:1") and not STAFF_REF.search("medewerker Anna")


def test_no_policy_code_in_the_english_source_either():
    codes = [code for code in (TemplatePolicy.CONSENTED_ONLY.value, "(subject)")
             if any(code in english for english, _dutch in _messages())]
    assert codes == []
