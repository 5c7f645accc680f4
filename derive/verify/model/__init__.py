"""Stage 3: the document model: names, kinds, shapes, definitions, distributions; planned steps."""
