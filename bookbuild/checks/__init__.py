"""The checks run on what a build wrote: EPUBCheck and DAISY Ace on the EPUB, the preflight on
the PDF. Each hands back `Problem`s located in the output file."""
