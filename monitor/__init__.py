"""The monitor: rules that compare today with history, alerts, email, scheduler and the CLI."""
