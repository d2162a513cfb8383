"""Near-duplicate fingerprints: a MinHash signature over character shingles of an
article's analysis text (`Document.clean.text`), so that content-farm copies with small
edits can be found without comparing every pair of articles.

Pure and deterministic: the shingles are hashed with SHA-1 (datasketch's default hash
function, not Python's `hash`, so PYTHONHASHSEED plays no part) and permuted with
datasketch's affine32 scheme from a fixed seed, so the same text gives the same signature
in every process and on every machine. The scheme is computed here with numpy, value for
value what datasketch's MinHash gives (a test checks it): importing datasketch imports
scipy, most of a second at the start of every ingest process.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

NUM_PERM = 128
SHINGLE = 5  # characters per shingle
SEED = 1
SCHEME = "affine32"
EMPTY = (1 << 32) - 1  # the value of every slot of a MinHash that saw nothing
_DTYPE = np.dtype("<u4")  # affine32 hash values, little-endian, for storage
_NOT_ALNUM = re.compile(r"[\W_]+")  # \w is str.isalnum() plus "_"


def normalise(text: str) -> str:
    """The text that is shingled: NFKC, case-folded, only letters and digits (Han
    characters are letters) kept, so punctuation, spacing and layout edits do not count."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The character k-grams of the normalised text; a text shorter than k is one shingle."""
    norm = normalise(text)
    if len(norm) <= k:
        return {norm} if norm else set()
    return {norm[i:i + k] for i in range(len(norm) - k + 1)}


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations h → a·h + b (mod 2^32) for SEED: odd a, any b,
    drawn in its order from numpy's legacy RandomState (a stream numpy keeps stable)."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, datasketch's pre-mix of every input hash."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


# shingle → its sha1_hash32: content farms repeat their sentences, so most shingles of an
# article were hashed for an earlier one (nine in ten in the bench corpus), and hashing
# was two thirds of a signature's time. Emptied when full: memory stays flat (~10 MB).
_HASHED: dict[str, int] = {}
_MAX_HASHED = 1 << 16


def _sha1_hash32(grams: set[str]) -> np.ndarray:
    """datasketch's default hash (sha1_hash32: the first 4 bytes of SHA-1, little-endian)
    of each shingle."""
    new = grams.difference(_HASHED)
    if new:
        if len(_HASHED) + len(new) > _MAX_HASHED:
            _HASHED.clear()
            new = grams
        new = list(new)
        digests = b"".join([hashlib.sha1(g.encode("utf-8")).digest()[:4] for g in new])
        _HASHED.update(zip(new, np.frombuffer(digests, dtype=_DTYPE).tolist()))
    return np.fromiter(map(_HASHED.__getitem__, grams), dtype=np.uint32, count=len(grams))


_ROWS = 4096  # shingles permuted at a time: the (shingles × num_perm) array stays small


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash signature (num_perm ints) of the text's character shingles. A text with
    no letters or digits gets the empty signature (every value EMPTY)."""
    a, b = _permutations(num_perm)
    signature = np.full(num_perm, EMPTY, dtype=np.uint32)
    hashes = _fmix32(_sha1_hash32(shingles(text)))
    for i in range(0, len(hashes), _ROWS):
        permuted = hashes[i:i + _ROWS, None] * a + b  # uint32: wraps around, the mod 2^32
        signature = np.minimum(signature, permuted.min(axis=0))
    return signature.tolist()


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

