"""A streaming text generator as a SageMaker model: a word-level trigram model.

``model_fn`` trains it on text the Python standard library ships (the docstrings of some of
its modules), so there are no weights to download. ``transform_fn`` returns a generator:
each generated word is one part of the answer, sent as soon as it is made, which is what
InvokeEndpointWithResponseStream streams (InvokeEndpoint answers the words joined).

Request (JSON): ``{"prompt": "Return the", "max_words": 40, "seed": 7, "pace_ms": 25}``;
all keys optional. ``pace_ms`` waits that long before each word, like a large model's
per-token time. The answer is ``text/plain``: the continuation of the prompt.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator

# Modules whose docstrings make the corpus (about 10,000 words); any that cannot be
# imported on this Python are left out.
CORPUS_MODULES = (
    "argparse", "collections", "csv", "difflib", "doctest", "heapq", "json", "logging",
    "pickle", "pydoc", "statistics", "string", "textwrap", "threading", "unittest", "zipfile",
    "shlex", "sched", "calendar", "configparser", "functools", "itertools", "inspect",
    "typing", "tarfile", "http.server", "urllib.parse", "decimal", "fractions", "random",
    "subprocess", "tempfile", "shutil", "weakref", "abc", "dataclasses", "enum", "contextlib",
    "copy", "glob", "gzip", "hashlib", "hmac", "ipaddress", "locale", "numbers", "operator",
    "optparse", "pathlib", "pprint", "queue", "secrets", "selectors", "socket", "sqlite3",
    "ssl", "struct", "timeit", "tokenize", "trace", "uuid", "wave",
)  # fmt: skip
TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|[0-9]+|[.,;:!?]")
PUNCTUATION = frozenset(".,;:!?")
START = ("", "")  # the context before the first word of a sentence
MAX_WORDS = 500


class Trigrams:
    """Counts of the word that follows each pair of words."""

    def __init__(self, text: str) -> None:
        self.next: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        before = START
        for token in TOKEN.findall(text):
            self.next[before][token] += 1
            before = START if token == "." else (before[1], token)
        if len(self.next) < 1000:
            raise ValueError(f"the corpus is too small ({len(self.next)} contexts)")

    def words(self, prompt: str, rng: random.Random) -> Iterator[str]:
        """Words after `prompt`, endlessly (the caller stops)."""
        tokens = TOKEN.findall(prompt)
        context = (("", *tokens)[-2], ("", *tokens)[-1]) if tokens else START
        while True:
            choices = self.next.get(context) or self.next.get(("", context[1])) or self.next[START]
            words, counts = zip(*choices.items(), strict=True)
            word = rng.choices(words, counts)[0]
            yield word
            context = START if word == "." else (context[1], word)


def model_fn(model_dir: str) -> Trigrams:
    texts = []
    for name in CORPUS_MODULES:
        try:
            texts.append(importlib.import_module(name).__doc__ or "")
        except ImportError:
            continue
    return Trigrams("\n".join(texts))


def transform_fn(
    model: Trigrams, body: str | bytes, content_type: str, accept: str
) -> tuple[Iterator[str], str]:
    request = json.loads(body or "{}")
    prompt = str(request.get("prompt", ""))
    count = min(int(request.get("max_words", 40)), MAX_WORDS)
    pace = float(request.get("pace_ms", 25)) / 1000
    rng = random.Random(request.get("seed"))

    def generate() -> Iterator[str]:
        for index, word in enumerate(model.words(prompt, rng)):
            if index == count:
                return
            if pace:
                time.sleep(pace)
            yield word if word in PUNCTUATION or (index == 0 and not prompt) else " " + word

    return generate(), "text/plain"
