-- Questions the keepers taught the search to answer (/teach, or a button under /gaps): the
-- question as bot.text.phrase_key writes it, and each entry it means.

CREATE TABLE taught (
    phrase TEXT NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    taught_at REAL NOT NULL,
    PRIMARY KEY (phrase, provider, entry_key)
) WITHOUT ROWID;
