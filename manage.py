#!/usr/bin/env python
"""Django's manage.py; `shanhai` (in .venv/bin) does the same."""

from shanhai.cli import main

if __name__ == "__main__":
    main()
