"""Stage 4b: the statistical NER on characters (issue 3).

- ``tokenizers``: the char pipeline's tokenizers; a blank char pipeline, a trained one loaded
- ``tagger``: ``entity_tagger``, BILUO tags per character under constrained Viterbi decoding
- ``component``: ``governance_ner``, the stage of the main pipeline that runs the char model and
  merges its spans with the lexicon's
- ``corpora``, ``vectors``: training data and static vectors
- ``train``, ``release``, ``evaluate``: one training run; the shipped model in one command
  (base, leave-one-document-out folds, final model); scores on character offsets
"""
