"""The lookup engine, no network and no database: the catalogs (model and files), reading a
question (query, payload), finding its answer (resolve, search, words), saying it (render,
markup) in ru/en/uk (i18n), and the catalogs in use (library)."""
