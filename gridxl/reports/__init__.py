"""Documents made from scored results: the 通报 (text, Word, Excel) and its parts."""
