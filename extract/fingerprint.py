"""Near-duplicate fingerprints: a MinHash signature over character shingles of an
article's analysis text (`Document.clean.text`), so that content-farm copies with small
edits can be found without comparing every pair of articles.

Pure and deterministic: the shingles are hashed with SHA-1 (datasketch's default hash
function, not Python's `hash`, so PYTHONHASHSEED plays no part) and permuted with
datasketch's affine32 scheme from a fixed seed, so the same text gives the same signature
in every process and on every machine.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

NUM_PERM = 128
SHINGLE = 5  # characters per shingle
SEED = 1
SCHEME = "affine32"
EMPTY = (1 << 32) - 1  # the value of every slot of a MinHash that saw nothing
_DTYPE = np.dtype("<u4")  # affine32 hash values, little-endian, for storage


def normalise(text: str) -> str:
    """The text that is shingled: NFKC, case-folded, only letters and digits (Han
    characters are letters) kept, so punctuation, spacing and layout edits do not count."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The character k-grams of the normalised text; a text shorter than k is one shingle."""
    norm = normalise(text)
    if len(norm) <= k:
        return {norm} if norm else set()
    return {norm[i:i + k] for i in range(len(norm) - k + 1)}


@lru_cache(maxsize=4)
def _template(num_perm: int) -> MinHash:
    """An empty MinHash whose permutations are made once per process and copied."""
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash signature (num_perm ints) of the text's character shingles. A text with
    no letters or digits gets the empty signature (every value EMPTY)."""
    m = _template(num_perm).copy()
    grams = shingles(text)
    if grams:
        m.update_batch([g.encode("utf-8") for g in sorted(grams)])
    return [int(v) for v in m.hashvalues]


def is_empty(signature) -> bool:
    return all(int(v) == EMPTY for v in signature)


def estimate_similarity(a, b) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures (the share
    of equal slots). An empty signature is similar to nothing, not even another empty one."""
    if len(a) != len(b):
        raise ValueError(f"signatures of different lengths: {len(a)} and {len(b)}")
    if not len(a) or is_empty(a) or is_empty(b):
        return 0.0
    return float(np.count_nonzero(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64))) / len(a)


def to_bytes(signature) -> bytes:
    """Compact storage form: 4 bytes per value, little-endian."""
    return np.asarray(signature, dtype=np.uint64).astype(_DTYPE).tobytes()


def from_bytes(blob: bytes) -> list[int]:
    return [int(v) for v in np.frombuffer(blob, dtype=_DTYPE)]


def lean_minhash(signature) -> LeanMinHash:
    """The signature as a datasketch LeanMinHash, for MinHashLSH."""
    return LeanMinHash(seed=SEED, hashvalues=np.asarray(signature, dtype=np.uint32), scheme=SCHEME)
