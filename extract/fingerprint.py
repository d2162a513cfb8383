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

from .memo import BatchMemo

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


def _sha1_hash32(grams: set[str] | list[str]) -> np.ndarray:
    """datasketch's default hash (sha1_hash32: the first 4 bytes of SHA-1, little-endian)
    of each shingle."""
    return np.fromiter(_HASHED.get_many(list(grams)), dtype=np.uint32, count=len(grams))


def _compute_sha1_hash32(grams: list[str]) -> list[int]:
    digests = b"".join([hashlib.sha1(g.encode("utf-8")).digest()[:4] for g in grams])
    return np.frombuffer(digests, dtype=_DTYPE).tolist()


# shingle → its sha1_hash32: content farms repeat their sentences, so most shingles of an
# article were hashed for an earlier one (nine in ten in the bench corpus), and hashing
# was two thirds of a signature's time (~10 MB)
_HASHED: BatchMemo[str, int] = BatchMemo(_compute_sha1_hash32, 1 << 16)


_ROWS = 4096  # shingles permuted at a time: the (shingles × num_perm) array stays small


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash signature (num_perm ints) of the text's character shingles. A text with
    no letters or digits gets the empty signature (every value EMPTY).

    A text of several lines is signed line by line: the minimum over all its shingles is
    the minimum of each line's own shingles (remembered per line: content farms repeat
    their lines) and of the shingles that cross a line break (normalising drops the break,
    and no normalisation joins characters across one)."""
    norms = _normalised_lines(text) if "\n" in text else []
    joined = "".join(norms)
    if len(joined) <= SHINGLE:  # one line, or a text of one shingle at most
        return _signature_of(shingles(text), num_perm).tolist()
    signature = _signature_of(_crossing(norms, joined), num_perm)
    own = _line_signatures([norm for norm in norms if len(norm) >= SHINGLE], num_perm)
    if own:
        signature = np.minimum(signature, np.minimum.reduce(own))
    return signature.tolist()


_NOT_ALNUM_OR_BREAK = re.compile(r"(?:[^\w\n]|_)+")


def _normalised_lines(text: str) -> list[str]:
    """`normalise` of each line of the text, in one pass (NFKC joins no character with a
    line break)."""
    return _NOT_ALNUM_OR_BREAK.sub("", unicodedata.normalize("NFKC", text).casefold()).split("\n")


def _signature_of(grams: set[str], num_perm: int) -> np.ndarray:
    a, b = _permutations(num_perm)
    signature = np.full(num_perm, EMPTY, dtype=np.uint32)
    hashes = _fmix32(_sha1_hash32(grams))
    for i in range(0, len(hashes), _ROWS):
        permuted = hashes[i:i + _ROWS, None] * a + b  # uint32: wraps around, the mod 2^32
        signature = np.minimum(signature, permuted.min(axis=0))
    return signature


def _crossing(norms: list[str], joined: str, k: int = SHINGLE) -> set[str]:
    """The shingles of `joined` (the normalised lines, joined) that cross a line break."""
    grams: set[str] = set()
    end = 0
    for norm in norms[:-1]:
        end += len(norm)
        grams.update(joined[i:i + k] for i in range(max(0, end - k + 1), min(end, len(joined) - k + 1)))
    return grams


def _line_signatures(norms: list[str], num_perm: int) -> list[np.ndarray]:
    """The signature of each line's own shingles (lines of SHINGLE characters or more)."""
    return _LINE_SIGNATURES.get_many([(num_perm, norm) for norm in norms])


def _signatures_of_lines(norms: list[str], num_perm: int, k: int = SHINGLE) -> list[np.ndarray]:
    """Each line's signature, the shingles of several lines permuted at a time."""
    return _signatures_of_sets([{norm[i:i + k] for i in range(len(norm) - k + 1)} for norm in norms], num_perm)


def _signatures_of_sets(sets: list[set[str]], num_perm: int) -> list[np.ndarray]:
    """The signature of each (non-empty) shingle set, the shingles of several sets hashed
    and permuted at a time (up to _ROWS of them): one numpy pass, not one per set."""
    out: list[np.ndarray] = []
    group: list[set[str]] = []
    size = 0
    for grams in sets:
        if group and size + len(grams) > _ROWS:
            out += _group_signatures(group, num_perm)
            group, size = [], 0
        group.append(grams)
        size += len(grams)
    return out + (_group_signatures(group, num_perm) if group else [])


def minhash_signatures(texts: list[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """`minhash_signature` of each text, as the rows of one array (uint32): the texts of
    one line (claims, sentences) are signed together, their shingles hashed and permuted
    a few thousand at a time, value for value what one text at a time gives."""
    out = np.full((len(texts), num_perm), EMPTY, dtype=np.uint32)
    rows, sets = [], []
    for row, text in enumerate(texts):
        if "\n" in text:
            out[row] = minhash_signature(text, num_perm)
        elif grams := shingles(text):
            rows.append(row)
            sets.append(grams)
    if rows:
        out[rows] = _signatures_of_sets(sets, num_perm)
    return out


def _group_signatures(group: list[set[str]], num_perm: int) -> list[np.ndarray]:
    if len(group) == 1:
        return [_signature_of(group[0], num_perm)]
    a, b = _permutations(num_perm)
    hashes = _fmix32(_sha1_hash32([gram for grams in group for gram in grams]))
    starts = np.cumsum([0] + [len(grams) for grams in group[:-1]])
    return list(np.minimum.reduceat(hashes[:, None] * a + b, starts, axis=0))


# (num_perm, normalised line) → the signature of its own shingles (~6 MB)
_LINE_SIGNATURES: BatchMemo[tuple[int, str], np.ndarray] = BatchMemo(
    lambda keys: _signatures_of_lines([norm for _n, norm in keys], keys[0][0]), 1 << 13)


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

