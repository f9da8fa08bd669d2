"""The correction loop (issue 6): ``select`` the paragraphs worth a person's time, keep their
``corrections`` from doccano as stand-off, train cheap models and draw ``curves`` from them, and
``compare`` two NER models on held-out gold."""
