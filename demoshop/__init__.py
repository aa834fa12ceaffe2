"""A local demo shop that behaves like a Chinese e-commerce platform (search, ads, items, days)."""
