"""Sanction lists: entries, import, lifecycle, scheduler, the index workers match against."""
