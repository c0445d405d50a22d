"""Use cases. Each public function is one transaction: it commits once, at the end."""
