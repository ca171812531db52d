"""`python -m bench`: measure, print, and write the results (see report.main)."""

from .report import main

main()
