"""Staff pages for consent: quitclaims and what signers told us."""
