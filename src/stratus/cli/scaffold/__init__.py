"""File templates `stratus new-service` fills in (string.Template: `$name`, `$Name`)."""
