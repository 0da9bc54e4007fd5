"""The core: ``Localrag`` and the parts it hands out (see ``facade``)."""

from localrag.core.facade import Localrag
from localrag.core.library import checked_k, checked_words
from localrag.store import WAITING_FOR_WRITER, StoreError
from localrag.store.scope import Scope, within

__all__ = ["Localrag", "Scope", "StoreError", "WAITING_FOR_WRITER", "checked_k", "checked_words", "within"]
