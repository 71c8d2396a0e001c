"""Columns of :class:`gridxl.core.texts.Texts` joined into pyarrow strings, a batch of rows at a time.

The core keeps an explanation column as pieces (a table of words and a code per row); here each
piece's words become an Arrow dictionary once, each batch's codes pick from it, and
``binary_join_element_wise`` joins the pieces: C++ loops over rows instead of Python or numpy
string objects, and never more than one batch of joined text in memory.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gridxl.core.texts import Texts

BATCH_ROWS = 1 << 17


class ArrowTexts:
    """Joins one :class:`Texts` column, batch by batch (the words of its pieces converted once)."""

    def __init__(self, texts: Texts):
        self.n = texts.n
        self.pieces = [p if isinstance(p, str) else (pa.array(p[0], type=pa.string()), p[1])
                       for p in texts.pieces]

    def batch(self, start: int = 0, stop: int | None = None) -> pa.Array:
        stop = self.n if stop is None else min(stop, self.n)
        rows = max(stop - start, 0)
        args = []
        for p in self.pieces:
            if isinstance(p, str):
                args.append(p)
            else:
                words, codes = p
                args.append(pc.take(words, pa.array(codes[start:stop], type=pa.int32())))
        arrays = [a for a in args if not isinstance(a, str)]
        if not arrays:  # the same text on every row
            return pa.array(np.full(rows, "".join(args), dtype=object), type=pa.string())
        if len(args) == 1:
            return arrays[0]
        return pc.binary_join_element_wise(*args, "")


def texts_to_objects(texts: Texts) -> np.ndarray:
    """The whole column as Python strings (for writers that take one cell at a time)."""
    return ArrowTexts(texts).batch().to_numpy(zero_copy_only=False)
