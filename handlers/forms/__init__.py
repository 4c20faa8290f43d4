"""Forms as data: fields with prompts and validation, run by one engine."""
