"""Chinese NLP annotation pipeline for governance news."""
__version__ = "0.1.0"
