"""All user-facing texts live in Fluent files under core/locales/<locale>/ (STYLE §7)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import ast

LOCALES = Path(__file__).parent / "locales"
# fluent.runtime's limit for one placeable's text.
_PLACEABLE_MAX = 1000
_ARGS_CACHE_SIZE = 4096
_CACHED_ARG_MAX = 200  # longer values (an appeal's text) are not kept in the cache


class Texts:
    def __init__(self, bundle: Any, keys: set[str]) -> None:
        self._bundle = bundle
        self._keys = keys
        self._plain_cache: dict[str, str] = {}
        # Texts with arguments, by key and arguments: most questions repeat theirs (limits,
        # a count); Fluent's formatting is a tenth of a dialog step's CPU.
        self._args_cache: dict[tuple[Any, ...], str] = {}

    @classmethod
    def load(cls, locale: str = "ru", directory: Path = LOCALES) -> Texts:
        bundle = FluentBundle([locale], use_isolating=False)
        keys: set[str] = set()
        files = sorted((directory / locale).glob("*.ftl"))
        if not files:
            raise FileNotFoundError(f"no .ftl files in {directory / locale}")
        for path in files:
            resource = FluentResource(path.read_text(encoding="utf-8"))
            bundle.add_resource(resource)
            keys.update(
                entry.id.name
                for entry in resource.body
                if isinstance(entry, ast.Message) and entry.value is not None
            )
        return cls(bundle, keys)

    def keys(self) -> set[str]:
        return set(self._keys)

    def has(self, key: str) -> bool:
        return key in self._keys

    def get(self, key: str, /, **args: Any) -> str:
        """The text for the bot (HTML parse mode): string arguments are escaped."""
        if not args:
            cached = self._plain_cache.get(key)
            if cached is not None:
                return cached
            text = self._format(key, {})
            self._plain_cache[key] = text
            return text
        cache_key: tuple[Any, ...] | None = None
        cached = None
        if all(not isinstance(v, str) or len(v) <= _CACHED_ARG_MAX for v in args.values()):
            try:
                cache_key = (key, *sorted(args.items()))
                cached = self._args_cache.get(cache_key)
            except TypeError:  # an unhashable argument: formatted every time
                cache_key = None
        if cached is not None:
            return cached
        escaped = {k: html.escape(v) if isinstance(v, str) else v for k, v in args.items()}
        text = self._format(key, escaped)
        if cache_key is not None:
            if len(self._args_cache) >= _ARGS_CACHE_SIZE:
                self._args_cache.clear()
            self._args_cache[cache_key] = text
        return text

    def plain(self, key: str, /, **args: Any) -> str:
        """The text for a terminal: nothing escaped."""
        return self._format(key, args)

    def _format(self, key: str, args: Mapping[str, Any]) -> str:
        if key not in self._keys:
            raise KeyError(f"no text {key!r} in the locale files")
        message = self._bundle.get_message(key)
        # Fluent refuses a placeable over 1000 characters (an appeal's text, an answer):
        # such values go in as markers and are put back after formatting.
        values = dict(args)
        long: dict[str, str] = {}
        for name, value in args.items():
            if isinstance(value, str) and len(value) > _PLACEABLE_MAX:
                marker = f"\x00{len(long)}\x00"
                long[marker] = value
                values[name] = marker
        text, errors = self._bundle.format_pattern(message.value, values)
        if errors:
            raise ValueError(f"text {key!r}: {errors[0]}")
        result = str(text)
        for marker, value in long.items():
            result = result.replace(marker, value)
        return result
