"""Articles and imported statements: the Source model, its admin, and the readers of files,
directories, URLs and JSONL claim files.

May import Django and claims.choices; the processing of a source lives in claims.services.
"""
