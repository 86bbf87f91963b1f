"""The importer: article files of every shape in, clean and faithful Article rows out.

One module per concern: ``decoding`` (bytes → text), ``formats`` (which parser), one parser
per format (``hexo``, ``newspaper``, ``webdump``, ``htmlpage``, with ``plaintext`` and
``markup`` turning text and HTML into blocks), ``bylines``, ``dates``, ``cleaning`` and
``damage`` for the fields and repairs they share, ``article`` (derived fields and the
content hash), ``blocks`` (the only HTML writer, sanitized with nh3), ``reading`` (a file to a
result, no database), ``store`` (chunked upserts) and ``batch`` (a whole run).
"""
