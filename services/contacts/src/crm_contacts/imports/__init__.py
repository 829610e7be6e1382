"""Bulk CSV import of contacts: rows are staged as they are uploaded, then a worker in
every service process imports them in batches, each batch one transaction with its
contacts, events, timeline entries, row problems and the import's progress."""
