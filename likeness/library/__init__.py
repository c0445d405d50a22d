"""The image library: upload, indexing, tagging, people, face search, renditions, blurring,
downloads and share links."""
