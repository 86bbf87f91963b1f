"""Entity extraction: places from the gazetteer, police units, named initiatives.

``extract`` reads one article's text (no database); ``extract_articles`` writes the links;
the write pipeline (``archive.pipeline.stored``) runs it on every import, inside the
writer's transaction.
"""
