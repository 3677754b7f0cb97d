"""Counts in words for what operators read: "1 event", "2 events", never "1 events" or "2 event(s)"."""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """plural replaces the last word of noun when the count is not one (default: noun + "s")."""
    if number == 1:
        return f"{number} {noun}"
    if plural is None:
        return f"{number} {noun}s"
    head, _, _ = noun.rpartition(" ")
    return f"{number} {head + ' ' if head else ''}{plural}"
