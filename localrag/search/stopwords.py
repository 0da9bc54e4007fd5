"""The one list of English function words: left out of a keyword query's terms, of the words a
check needs an answer to share with its quotes, and of a summary's topic words."""

from __future__ import annotations

STOPWORDS = frozenset(
    "a an and are as at be but by can could did do does for from had has have how i if in into is it its "
    "me my no not of on or our she he so such than that the their them then there these they this those "
    "to was we were what when where which who whom why will with would you your "
    "also been being both each more most other some only own same too very just about after before over "
    "under between during".split()
)
