"""The knowledge base: articles for usage questions, suggested while staff write a ticket."""
