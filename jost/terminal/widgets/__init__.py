"""Widgets of the terminal app: the result summary and its charts."""
