#!/usr/bin/env python3
"""test_kinds_1.py: the main path for the template kinds todo, notes, guestbook, counter (ports 31000-31099).

For each kind: generate from a plain prompt, run it in its sandbox, load its page through
nginx on its own origin, create an item through its JSON API and read it back, stop it
(the origin shows the 503 page), run it again (the item is still there), delete it (404,
directory and log gone, port closed, no process of its sandbox uid left)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lc  # noqa: E402

sys.exit(lc.run_file(lc.kinds_main(['todo', 'notes', 'guestbook', 'counter']), "lc-kinds-1", 31000))
