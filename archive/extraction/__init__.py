"""Entity extraction: places from the gazetteer, police units, named initiatives.

``extract`` reads one article's text (no database); ``extract_articles`` writes the links;
``receivers`` runs both on every import, inside the writer's transaction.
"""
