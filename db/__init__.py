"""The storage floor of ShopWatch: models, sessions, migrations, repository functions."""
