"""spaCy's own tokenizer with its chunk cache actually in use (``signaal.Tokenizer.v1``).

spaCy tokenises text chunk by chunk (the runs between spaces) and caches the
tokens of each chunk, but it stops caching for the rest of a document once a
tokenizer exception (special case such as "a.s." or "'t") occurred in it
(spaCy issue #1250). Almost every ad holds one early, so most chunks of most
ads went through the slow prefix/suffix/infix regex search every time: that
was ~90 % of the tokenizer's cost on ads.

This wrapper tokenises each chunk it has not seen before *on its own* first,
which lets spaCy cache it, and then tokenises the whole text with the same
spaCy tokenizer. The tokens are spaCy's, by construction: the cache stores what
spaCy produced for exactly that chunk and spaCy applies its multi-token special
cases to the whole document as before. Only the speed changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry


class ChunkCachedTokenizer:
    """Calls spaCy's tokenizer so that its chunk cache fills; the output is spaCy's, unchanged."""

    def __init__(self, tokenizer: Tokenizer, cache_size: int) -> None:
        self.tokenizer = tokenizer
        self.cache_size = cache_size
        # spaCy also caches whitespace runs and chunks met inside documents: leave it room beyond ours.
        tokenizer.max_cache_size = 2 * cache_size
        self._seen: set[str] = set()  # chunks already tokenised alone (so cached unless they hold a special case)

    def __call__(self, text: str) -> Doc:
        seen = self._seen
        new = set(text.split()) - seen
        if new:
            if len(seen) + len(new) > self.cache_size:
                # Bounded like spaCy's cache, which stops growing when full: start both afresh.
                self.tokenizer._flush_cache()
                seen.clear()
            tokenize = self.tokenizer
            for chunk in new:
                tokenize(chunk)
            seen |= new
        return self.tokenizer(text)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> object:
        # Rules, affix patterns, explain() etc. are the wrapped tokenizer's.
        return getattr(self.tokenizer, name)


@registry.tokenizers("signaal.Tokenizer.v1")
def create_tokenizer(cache_size: int = 100_000) -> Callable[[Language], ChunkCachedTokenizer]:
    """The language's default spaCy tokenizer (``spacy.Tokenizer.v1``), wrapped so its chunk cache works."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> ChunkCachedTokenizer:
        return ChunkCachedTokenizer(default(nlp), cache_size)

    return make
