"""Training the models whose weights newsclaims ships: ``python -m training.train_X``.
See training/README.md for what each script reads, writes and how long it takes.

May import newsclaims and evaluation (its benchmark readers); no Django. Nothing in the
service or in newsclaims imports this package (tests/unit/test_layout.py checks).
"""
