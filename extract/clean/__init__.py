"""Repairs of scraped text. Each module finds edits (or signals) on one line of text;
`extract.document` applies them through `MappedText` so offsets stay exact."""
