"""Image banks beside Likeness: integrations, API keys, their asset ids, permission checks."""
