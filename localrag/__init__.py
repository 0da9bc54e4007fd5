"""localrag: a private, offline knowledge assistant for the terminal."""

__version__ = "0.1.0"
