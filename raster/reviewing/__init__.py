"""The review step: a page where a person confirms or corrects the unsure glyphs, and the
answers file it exports, which identify, pdf repair and ingest apply."""
