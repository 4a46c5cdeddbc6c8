"""Whether two claims state the same fact: sentence embeddings (embedding), the trained pair
score (pairscore, weights in data/match_model.json; its clause features in pairfeatures), the slot
and similarity rules, timelines
and cluster status (rules), clustering (clustering) and source independence (independence).

May import the standard library, numpy, sentence-transformers/torch (embedding, loaded on
first use) and newsclaims.text; never Django or the service's packages.
"""
