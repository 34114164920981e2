"""Lambda entry points: public API, author API, SES bounce/complaint events, sample content."""
