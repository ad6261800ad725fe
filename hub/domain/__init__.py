"""The hub's vocabulary, without I/O: list statuses and entries, China's calendar. Every other
package may import it; it imports only the connector SDK."""
