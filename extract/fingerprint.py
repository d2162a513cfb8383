"""Near-duplicate fingerprints: a MinHash signature over character shingles of an
article's analysis text (`Document.clean.text`), so that content-farm copies with small
edits can be found without comparing every pair of articles.

Pure, deterministic and vectorised: the texts' characters are one numpy array of code
points; every shingle (SHINGLE characters) is hashed there at once by a polynomial over
its code points, mixed by MurmurHash3's finalizer, and permuted with datasketch's affine32
scheme (h → a·h + b mod 2^32) from a fixed seed. No Python call per shingle and no memo:
hashing each shingle with SHA-1 (datasketch's default, the scheme of earlier versions)
cost a tenth of the ingest of real text. The same text gives the same signature in every
process and on every machine; a database signed with another scheme is signed again
(kb.store.duplicates.DuplicateIndex.backfill)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

NUM_PERM = 128
SHINGLE = 5  # characters per shingle
SEED = 1
EMPTY = (1 << 32) - 1  # the value of every slot of a MinHash that saw nothing
_DTYPE = np.dtype("<u4")  # affine32 hash values, little-endian, for storage
_BASE = np.uint32(0x01000193)  # the polynomial's base: FNV's 32-bit prime (odd, well spread)
_ROWS = 4096  # shingles permuted at a time: the (shingles × num_perm) array stays small


def normalise(text: str) -> str:
    """The text that is shingled: NFKC, case-folded, only letters and digits (Han
    characters are letters) kept, so punctuation, spacing and layout edits do not count."""
    return normalise_each([text])[0]


# \w is str.isalnum() plus "_"; NUL separates the texts normalise_each joins
_NOT_ALNUM_OR_NUL = re.compile(r"(?:[^\w\0]|_)+")


def normalise_each(texts: list[str]) -> list[str]:
    """`normalise` of each text, in one pass over all of them: joined by NUL, which no
    normalised text holds (it is no letter) and across which NFKC composes nothing (a
    starter with which no mark composes) and case-folding looks at no neighbour."""
    if not texts:
        return []
    joined = "\0".join(t.replace("\0", "") for t in texts)
    return _NOT_ALNUM_OR_NUL.sub("", unicodedata.normalize("NFKC", joined).casefold()).split("\0")


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
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix of every input hash): every
    bit of the polynomial reaches every bit."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_polynomial(gram: str) -> int:
    """The hash of one shingle before mixing, as the vectorised code computes it: value
    for value, the signatures are datasketch's `MinHash(scheme="affine32",
    hashfunc=shingle_polynomial)` (which mixes with _fmix32 itself; a test checks it)."""
    h = 0
    for ch in gram.ljust(SHINGLE, "\0"):
        h = (h * int(_BASE) + ord(ch)) % (1 << 32)
    return h


def _shingle_hashes(norms: list[str], k: int = SHINGLE) -> tuple[np.ndarray, np.ndarray]:
    """(hash of every shingle, index of the text it belongs to) for normalised texts, in
    text order. A text shorter than k is one shingle: its characters then NULs (which no
    normalised text holds), so it equals no shingle of k characters."""
    lengths = np.fromiter(map(len, norms), dtype=np.int64, count=len(norms))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    codes = np.frombuffer("".join(norms).encode("utf-32-le"), dtype=_DTYPE)
    n = len(codes)
    owner = np.repeat(np.arange(len(norms)), lengths)
    end_of = ends[owner]
    position = np.arange(n)
    padded = np.concatenate([codes, np.zeros(k - 1, dtype=np.uint32)])
    h = np.zeros(n, dtype=np.uint32)
    for j in range(k):  # the characters of each window that lie inside its own text
        h = h * _BASE + np.where(position + j < end_of, padded[j:j + n], np.uint32(0))
    keep = (position + k <= end_of) | ((position == starts[owner]) & (end_of - position < k))
    return _fmix32(h[keep]), owner[keep]


def minhash_signatures(texts: list[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """The MinHash signature of each text, as the rows of one array (uint32); a text with
    no letters or digits gets the empty signature (every value EMPTY). The shingles of all
    the texts are hashed in one pass and permuted a few thousand at a time."""
    a, b = _permutations(num_perm)
    out = np.full((len(texts), num_perm), EMPTY, dtype=np.uint32)
    hashes, owner = _shingle_hashes(normalise_each(texts))
    for i in range(0, len(hashes), _ROWS):
        chunk, owners = hashes[i:i + _ROWS], owner[i:i + _ROWS]
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])  # owners come in runs
        mins = np.minimum.reduceat(chunk[:, None] * a + b, firsts, axis=0)  # uint32: wraps, the mod 2^32
        rows = owners[firsts]
        out[rows] = np.minimum(out[rows], mins)
    return out


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash signature (num_perm ints) of the text's character shingles."""
    return minhash_signatures([text], num_perm)[0].tolist()


def is_empty(signature) -> bool:
    # the first value decides for nearly every signature: the generator only for the rest
    return len(signature) == 0 or (int(signature[0]) == EMPTY and all(int(v) == EMPTY for v in signature))


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

