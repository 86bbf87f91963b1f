# --- Extraction ---------------------------------------------------------------------------
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

EXTRACTION_LABELS = Path(__file__).parent / "data" / "extraction_labels.json"


@pytest.fixture
def labelled_articles():
    """The five seeds as plain text with what a careful reader finds in each."""
    return json.loads(EXTRACTION_LABELS.read_text(encoding="utf-8"))["articles"]
