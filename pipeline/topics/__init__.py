"""Stage 5: paragraph topics (issue 4).

- ``components``: ``keyword_topics`` and ``topic_classifier``, which fill ``doc.cats`` and ``doc._.topics``
- ``runtime``: the classifier's prediction with numpy alone, from ``topic_weights.npz``
- ``model``, ``vectors``, ``train``: the scikit-learn model, its word vectors, ``train topics`` and
  ``evaluate topics``
"""
