"""Whether two claims agree or disagree: the stance head (stance, weights in
data/stance_head.npz) and the stance cross-encoder (crossencoder, adapters in
data/stance_ce.npz). A cluster's status rules themselves are in newsclaims.matching.rules.

May import the standard library, numpy, torch (crossencoder, on first use), newsclaims.text
and newsclaims.matching; never Django or the service's packages.
"""
