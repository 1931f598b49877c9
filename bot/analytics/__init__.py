"""Lookup analytics: the lookup writer (queue, batches, spill, prune), privacy (pseudonyms
and masks), reports as data, the /stats chart and paragraphs; the database is bot/store's."""
