"""Reading claims out of text: normalisation (textnorm), claim extraction (extraction), numbers
and units (quantities), and cross-script keys for names (entities).

May import the standard library and other modules of newsclaims.text; nothing else of the
project, and never Django.
"""
