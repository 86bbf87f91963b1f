"""A compact postings format for Whoosh 3 segments: the same blocks, packed instead of pickled.

Whoosh 3 writes each block of up to 128 postings as a pickled tuple of document-number
deltas (two or three bytes each) behind a pickled six-field header, and every term, even one
found in a single document, gets such a block. For this archive's bigram and word fields,
where most terms are rare, that made the index many times the size of the text
(docs/benchmarks.md, "Why the code is as it is").

``CompactCodec`` is ``W3Codec`` with one change: a block's header is a 12-byte struct and
its deltas are a byte, short or int array (the smallest that fits), followed by weights
only when they are not all equal. Terms, columns, stored fields and the table of contents
are Whoosh's own. Segments record their codec, so indexes written before keep being read by
Whoosh's classes and new segments by these; ``FastSegmentWriter`` writes every new one.
"""

import operator
import pickle
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from itertools import accumulate, chain

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.matching import ReadTooFar
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte

# count, last id, max weight, compressed?, min length byte, max length byte
BLOCK_INFO = struct.Struct("!HIfBBB")
# Postings a block holds (Whoosh's own codec: 128). Whole sets are read a block at a time,
# and each block costs a seek, a header and a decompression in Python: a word in most of a
# million articles was thousands of blocks, the slowest part of its search
# (docs/benchmarks.md, "Why the code is as it is"). At most what the count field holds.
BLOCK_LIMIT = 1024
# Weights: all 1.0 (nothing stored), one constant (a float), or one float a posting.
WEIGHTS_ONE, WEIGHTS_CONSTANT, WEIGHTS_EACH = 0, 1, 2
COMPRESS_FROM = 64  # bytes; zlib's own framing outweighs what it saves below this
SWAP = sys.byteorder == "big"  # arrays are stored little-endian
NUMPY_TYPES = {"B": "<u1", "H": "<u2", "I": "<u4"}


def _to_bytes(values, typecode):
    packed = array(typecode, values)
    if SWAP:
        packed.byteswap()
    return packed.tobytes()


def _from_bytes(data, typecode):
    unpacked = array(typecode)
    unpacked.frombytes(data)
    if SWAP:
        unpacked.byteswap()
    return unpacked


def _smallest_typecode(values):
    top = max(values)
    return "B" if top < 1 << 8 else "H" if top < 1 << 16 else "I"


def encode_block(ids, weights, values, fixed_size):
    """Bytes of one block's data (see the module docstring)."""
    deltas = list(map(operator.sub, ids, chain((0,), ids)))
    typecode = _smallest_typecode(deltas)
    first = weights[0]
    if weights.count(first) != len(weights):
        head, tail = bytes([WEIGHTS_EACH]), _to_bytes(weights, "f")
    elif first == 1.0:
        head, tail = bytes([WEIGHTS_ONE]), b""
    else:
        head, tail = bytes([WEIGHTS_CONSTANT]) + struct.pack("<f", first), b""
    parts = [head, typecode.encode(), _to_bytes(deltas, typecode), tail]
    if fixed_size != 0:
        parts.append(pickle.dumps(tuple(values), 2))
    return b"".join(parts)


def _delta_span(data, count):
    """(typecode, start, end) of a block's document-number deltas in its data."""
    position = 5 if data[0] == WEIGHTS_CONSTANT else 1
    typecode = chr(data[position])
    start = position + 1
    return typecode, start, start + count * array(typecode).itemsize


def decode_ids(data, count):
    """A block's document numbers as a numpy array, without its weights and values: what
    reading a whole set needs, a step over the block instead of a Python loop."""
    typecode, start, _ = _delta_span(data, count)
    deltas = np.frombuffer(data, dtype=NUMPY_TYPES[typecode], count=count, offset=start)
    return np.cumsum(deltas, dtype=np.uint32)


def decode_block(data, count, fixed_size):
    """(ids, weights, values) of one block's data, as ``encode_block`` wrote them."""
    kind = data[0]
    if kind == WEIGHTS_CONSTANT:
        (constant,) = struct.unpack_from("<f", data, 1)
    typecode, position, end = _delta_span(data, count)
    ids = tuple(accumulate(_from_bytes(data[position:end], typecode)))
    if kind == WEIGHTS_ONE:
        weights = array("f", [1.0]) * count
    elif kind == WEIGHTS_CONSTANT:
        weights = array("f", [constant]) * count
    else:
        weights = _from_bytes(data[end : end + 4 * count], "f")
        end += 4 * count
    values = (None,) * count if fixed_size == 0 else pickle.loads(data[end:])
    return ids, weights, values


class CompactPostingsWriter(W3PostingsWriter):
    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = encode_block(self._ids, self._weights, self._values, self._format.fixed_value_size())
        compressed = 0
        if self._compression and len(data) >= COMPRESS_FROM:
            squeezed = zlib.compress(data, self._compression)
            if len(squeezed) < len(data):
                data, compressed = squeezed, 1
        info = BLOCK_INFO.pack(
            len(self._ids),
            self._ids[-1],
            self._maxweight,
            compressed,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class CompactLeafMatcher(W3LeafMatcher):
    def _goto(self, position):
        postfile = self._postfile
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        postfile.seek(position)
        length = postfile.read_int()
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + _INT_SIZE + length
        (
            self._blocklength,
            self._maxid,
            self._maxweight,
            self._compression,
            min_length,
            max_length,
        ) = BLOCK_INFO.unpack(postfile.read(BLOCK_INFO.size))
        self._dataoffset = position + _INT_SIZE + BLOCK_INFO.size
        self._minlength = byte_to_length(min_length)
        self._maxlength = byte_to_length(max_length)

    def _block_data(self):
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        return zlib.decompress(data) if self._compression else data

    def _read_data(self):
        self._ids, self._weights, self._values = decode_block(
            self._block_data(), self._blocklength, self._fixedsize
        )
        self._data = True

    def _read_ids(self):
        self._read_data()

    def id_blocks(self):
        """Each block's document numbers in turn, as numpy arrays (``search.whoosh.docsets``
        reads whole sets)."""
        self.reset()
        while True:
            yield decode_ids(self._block_data(), self._blocklength)
            if self._lastblock:
                return
            self._goto(self._nextoffset)

    _read_weights = _read_values = _read_ids

    def skip_to(self, targetid):
        """As Whoosh's, but inside the block a binary search rather than one ``next()`` a
        posting: an intersection led by a rare term skips through a common one, and Whoosh
        steps through up to ``BLOCK_LIMIT`` postings of a block one at a time."""
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
        if self._ids is None:
            self._read_ids()
        # the block's last id is at least targetid, so the search stays in the block
        self._i = bisect_left(self._ids, targetid, self._i)


class CompactCodec(W3Codec):
    """``W3Codec`` writing and reading ``CompactPostingsWriter`` blocks (document postings
    only: this schema keeps no term vectors), of up to ``BLOCK_LIMIT`` postings."""

    def __init__(self, blocklimit=BLOCK_LIMIT, **options):
        super().__init__(blocklimit=blocklimit, **options)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:
            raise ValueError("term vectors are not supported by CompactCodec")
        return CompactPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
