"""Signalement: a secure, multilingual tip line for temporary foreign workers in Canada."""

__version__ = "0.1.0"
