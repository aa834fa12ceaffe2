"""One module per board page: handlers take a ``board.web.Ctx`` and return a response."""
