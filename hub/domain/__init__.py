"""The hub's vocabulary, without I/O: list statuses and entries, the category and identifier
scheme tables, member kinds, API roles, China's calendar. Every other package may import it;
it imports only the connector SDK."""
