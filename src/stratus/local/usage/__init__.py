"""What the local cloud was used for: billable counts since a start time (`stratus cost
--from-local` and the console's cost page read them from `GET /_stratus/usage`)."""
