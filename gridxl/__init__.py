"""gridxl: grid-governance assessment rules as self-scoring Excel workbooks."""
__version__ = "0.1.0"
