"""The one exception a parser raises for a file it cannot read.

Its message is what the operator sees next to the file's path, so it says what is wrong in
words (``empty file``, ``binary data``…), never a traceback.
"""


class ImportFailure(Exception):
    """A file that cannot become an article; the message names the problem."""
