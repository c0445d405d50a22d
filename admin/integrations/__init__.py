"""Staff pages about the image banks beside Likeness (integrations, keys, webhooks)."""
