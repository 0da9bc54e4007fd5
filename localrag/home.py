"""Where localrag keeps its files: ``LOCALRAG_HOME`` if set, else the platform's folders.

Light on imports on purpose: the thin client finds the service's socket with it before
anything else is loaded."""

from __future__ import annotations

import os

APP_NAME = "localrag"


def home_dirs() -> tuple[str, str]:
    """(config folder, data folder), as absolute paths."""
    home = os.environ.get("LOCALRAG_HOME")
    if home:
        root = os.path.realpath(os.path.expanduser(home))
        return root, root
    import platformdirs

    return platformdirs.user_config_dir(APP_NAME), platformdirs.user_data_dir(APP_NAME)
