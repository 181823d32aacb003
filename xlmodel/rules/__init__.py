"""The rule core: pure functions over pydantic models. No file or Excel I/O here."""
