"""Columns of :class:`gridxl.core.texts.Texts` joined into pyarrow strings, a batch of rows at a time.

The core keeps an explanation column as pieces (a table of words and a code per row); here each
piece's words become an Arrow dictionary once, each batch's codes pick from it, and
``binary_join_element_wise`` joins the pieces: C++ loops over rows instead of Python or numpy
string objects, and never more than one batch of joined text in memory.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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


def write_csv_batches(out, names: list[str], columns: list, texts: list[Texts], guard, formula_starts):
    """The CSV body: ``columns`` (Arrow arrays) then ``texts``, joined and written a batch of rows at a time.

    pyarrow joins without the GIL: a batch's text columns are joined in parallel, and the next
    batch while one is written.  ``guard`` marks text a spreadsheet would run as a formula; it is
    needed only where some text may start like one (decided from the words of the first piece).
    """
    joined = [(ArrowTexts(t), _may_start_with(t, formula_starts)) for t in texts]
    schema = pa.schema([pa.field(name, col.type) for name, col in zip(names, columns)] +
                       [pa.field(name, pa.string()) for name in names[len(columns):]])
    rows = texts[0].n if texts else 0

    def joined_at(item, start):
        text = item[0].batch(start, start + BATCH_ROWS)
        return guard(text) if item[1] else text
    with pacsv.CSVWriter(out, schema) as writer, ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        starts = list(range(0, max(rows, 1), BATCH_ROWS))
        pending = [pool.submit(joined_at, item, 0) for item in joined]
        for i, start in enumerate(starts):
            batch = [col.slice(start, BATCH_ROWS) for col in columns] + [f.result() for f in pending]
            if i + 1 < len(starts):
                pending = [pool.submit(joined_at, item, starts[i + 1]) for item in joined]
            writer.write_table(pa.Table.from_arrays(batch, schema=schema))


def _may_start_with(texts: Texts, starts) -> bool:
    if not texts.pieces:
        return False
    first = texts.words()[0]
    return bool((first == "").any() or any(np.strings.startswith(first, s).any() for s in starts))
