"""Reading claims out of text: normalisation (textnorm), claim extraction (extraction), numbers
and units (quantities), cross-script keys for names and countries (entities), and what a figure
counts and where (figures).

May import the standard library and other modules of newsclaims.text; nothing else of the
project, and never Django.
"""
