"""The admin's pages that are not a model's: config import and export, and the fallback graph."""
