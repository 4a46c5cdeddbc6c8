"""The language pipeline, pure Python + numpy (torch only where a model needs it): no Django.

text/      normalisation, claim extraction, quantities, entities
matching/  embedding, pair scores, clustering, independence, the slot rules (with their weights)
verdicts/  stance head and cross-encoder (with their weights)

May import the standard library, numpy and the model libraries, and its own modules. Must never
import django, rest_framework, celery, claims, sources, factcheck, evaluation or training
(tests/unit/test_layout.py walks every module's imports to check). The service, evaluation
and training import this package; it imports none of them.
"""
