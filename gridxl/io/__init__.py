"""Files in and out: a clerk's CSV or xlsx read as judged columns (:mod:`.sources`, :mod:`.values`,
:mod:`.inputs`), errors naming file and cell (:mod:`.errors`), container guards (:mod:`.xlsx_safety`), and
writers that never overwrite by accident nor turn text into a formula (:mod:`.outputs`, :mod:`.sheet_text`)."""
