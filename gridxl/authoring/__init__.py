"""Authoring: an office's own 考核办法 and exports turned into gridxl schemes and mappings, without code.

* :mod:`.draft` — a scheme drafted from the text (.txt/.docx) or table (.xlsx/.csv) of a 考核办法;
* :mod:`.phrases` — the rule-phrase table the drafter reads (one entry per phrase family);
* :mod:`.scheme_book` — a scheme as an editable workbook (方案.xlsx) and back;
* :mod:`.mapping` — which export column feeds which field (mapping.toml).
"""
